-- The decisions one request made (an LLM exchange's prompt, answer and tool calls; a batch's items) are read
-- together: the console's model exchanges and the decisions list's request_id filter.
CREATE INDEX idx_decisions_request_id ON decisions (request_id);
