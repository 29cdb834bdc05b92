-- Fairness reports are verification jobs too (queued, stored, hashed, audited like the others).
ALTER TABLE verification_jobs DROP CONSTRAINT verification_jobs_kind_check;
ALTER TABLE verification_jobs ADD CONSTRAINT verification_jobs_kind_check
  CHECK (kind IN ('policy', 'bundle', 'impact', 'property', 'fairness'));
