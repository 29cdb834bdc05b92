-- Service accounts: other systems that append to the audit log under their own identity (API keys only).
ALTER TABLE users DROP CONSTRAINT users_roles_known;
ALTER TABLE users ADD CONSTRAINT users_roles_known CHECK (roles <@ ARRAY['admin', 'policy_manager', 'auditor', 'council_member', 'agent', 'service']::text[]);
