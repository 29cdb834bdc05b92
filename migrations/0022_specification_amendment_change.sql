-- The amendment change a draft suggests, fixed when it is drafted (the amendment it came from does not change).
ALTER TABLE specification_drafts ADD COLUMN amendment_change jsonb;
