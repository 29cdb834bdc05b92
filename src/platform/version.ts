/** The platform's version: in /health, the OpenAPI documents and the tracer's instrumentation scope. */
export const VERSION = '0.1.0';
