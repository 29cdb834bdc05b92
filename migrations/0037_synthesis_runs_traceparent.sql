-- The W3C traceparent of the request that queued a synthesis run (tracing on): the run, which works from the queue in
-- a trace of its own, links back to it. Runs the governance loop queues from an enactment have none.
ALTER TABLE synthesis_runs ADD COLUMN traceparent text;
