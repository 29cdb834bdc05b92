-- Pairwise comparisons of policy sets (symcc's implies/equivalent/disjoint) are verification jobs too.
ALTER TABLE verification_jobs DROP CONSTRAINT verification_jobs_kind_check;
ALTER TABLE verification_jobs ADD CONSTRAINT verification_jobs_kind_check
  CHECK (kind IN ('policy', 'bundle', 'impact', 'property', 'fairness', 'compare'));
