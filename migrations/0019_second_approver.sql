-- Versions an LLM wrote for a principle without constraints need two approvers: how many, and who approved first.
ALTER TABLE policies ADD COLUMN approvals_required integer NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN first_approved_by uuid;
