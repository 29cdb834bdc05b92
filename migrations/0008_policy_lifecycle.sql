-- Review trail of the policy lifecycle: the verification report, who approved (never the author), when activated.
ALTER TABLE policies ADD COLUMN verification_report jsonb;
ALTER TABLE policies ADD COLUMN approved_by uuid;
ALTER TABLE policies ADD COLUMN approved_at timestamptz;
ALTER TABLE policies ADD COLUMN activated_at timestamptz;
ALTER TABLE policies ADD COLUMN retired_at timestamptz;
