-- The W3C traceparent of the request that asked for a verification job (tracing on): the job, which runs from the
-- queue in a trace of its own, links back to it.
ALTER TABLE verification_jobs ADD COLUMN traceparent text;
