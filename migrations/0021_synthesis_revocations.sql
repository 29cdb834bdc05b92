-- Policies a run proposes to take out of force (a repealed principle's, or ones a re-synthesised principle no longer
-- has); the run is active once they are revoked and what it submitted is in force.
ALTER TABLE synthesis_runs ADD COLUMN revocations_proposed text[] NOT NULL DEFAULT '{}';
