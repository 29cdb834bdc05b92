-- The W3C traceparent of the request that enacted a constitution version (tracing on): the synthesis run the
-- governance loop queues for the version, which starts from a database notification, links back to it.
ALTER TABLE constitution_versions ADD COLUMN traceparent text;
