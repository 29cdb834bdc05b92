-- The prompt strategy each LLM attempt used, so strategy selection can learn from first-attempt outcomes.
ALTER TABLE synthesis_attempts ADD COLUMN strategy text NOT NULL DEFAULT 'rules-first';
CREATE INDEX idx_synthesis_attempts_first ON synthesis_attempts (strategy) WHERE attempt = 1;
