-- What a running verification job is doing: its stage and how many solver calls it has made.
ALTER TABLE verification_jobs ADD COLUMN progress jsonb;
