/**
 * The Grafana dashboards, as data: each panel is a title, its PromQL and how to show it. `acgs grafana dashboards`
 * writes them as JSON for provisioning; tests check the committed files match, every metric they query is exported,
 * and every query parses in a real Prometheus.
 */

export interface PanelSpec {
  title: string;
  /** PromQL, one per series group; legends use Grafana's {{label}} syntax. */
  queries: { expr: string; legend?: string }[];
  kind: 'timeseries' | 'stat';
  unit?: 'percentunit' | 's' | 'bytes' | 'reqps' | 'ops' | 'short' | 'none';
  /** For panels where higher is worse: yellow from the first value, red from the second. */
  thresholds?: [number, number];
  description?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  file: string;
  panels: PanelSpec[];
}

const byService = (expr: string) => [{ expr, legend: '{{service}}' }];

export const DASHBOARDS: readonly DashboardSpec[] = [
  {
    uid: 'acgs-overview',
    title: 'ACGS-PGP Overview',
    file: 'acgs-overview.json',
    panels: [
      {
        title: 'Service health',
        kind: 'stat',
        queries: [{ expr: 'up{job="acgs-services"}', legend: '{{instance}}' }],
        unit: 'none',
        description: '1 = scraped, 0 = down (target: all 1)',
      },
      {
        title: 'API p95 latency',
        kind: 'timeseries',
        queries: byService('acgs_http_request_duration_seconds{quantile="0.95"}'),
        unit: 's',
        thresholds: [0.2, 0.5],
        description: 'Target < 200 ms; warning 200–500 ms; critical > 500 ms',
      },
      {
        title: 'Error rate (5xx)',
        kind: 'timeseries',
        queries: byService('service:acgs_http_requests:error_ratio'),
        unit: 'percentunit',
        thresholds: [0.05, 0.1],
        description: 'Target < 5 %; warning 5–10 %; critical > 10 %',
      },
      {
        title: 'Requests per second',
        kind: 'timeseries',
        queries: byService('sum by (service) (rate(acgs_http_requests_total[5m]))'),
        unit: 'reqps',
      },
      {
        title: 'Database pool usage',
        kind: 'timeseries',
        queries: [
          {
            expr: 'max by (instance) (acgs_database_connections / acgs_database_max_connections)',
            legend: '{{instance}}',
          },
        ],
        unit: 'percentunit',
        thresholds: [0.8, 0.95],
        description: 'Scale before 80 %',
      },
      {
        title: 'Login success rate',
        kind: 'stat',
        queries: [{ expr: 'sum(rate(acgs_auth_success_total[5m])) / sum(rate(acgs_auth_attempts_total[5m]))' }],
        unit: 'percentunit',
        description: 'Target > 95 %',
      },
      {
        title: 'Decisions per second',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (decision) (rate(acgs_pgc_decisions_total[5m]))', legend: '{{decision}}' }],
        unit: 'ops',
      },
      { title: 'Audit log entries', kind: 'stat', queries: [{ expr: 'max(acgs_audit_log_size)' }], unit: 'short' },
    ],
  },
  {
    uid: 'acgs-authentication',
    title: 'ACGS-PGP Authentication',
    file: 'acgs-authentication.json',
    panels: [
      {
        title: 'Login success rate',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum(rate(acgs_auth_success_total[5m])) / sum(rate(acgs_auth_attempts_total[5m]))',
            legend: 'success rate',
          },
        ],
        unit: 'percentunit',
        description: 'Target > 95 % (AuthSuccessRateLow below that)',
      },
      {
        title: 'Login attempts and successes per second',
        kind: 'timeseries',
        queries: [
          { expr: 'sum(rate(acgs_auth_attempts_total[5m]))', legend: 'attempts' },
          { expr: 'sum(rate(acgs_auth_success_total[5m]))', legend: 'successes' },
        ],
        unit: 'ops',
      },
      {
        title: 'Failed logins by source IP (top 10)',
        kind: 'timeseries',
        queries: [
          { expr: 'topk(10, sum by (source_ip) (rate(acgs_auth_failures_total[5m])))', legend: '{{source_ip}}' },
        ],
        unit: 'ops',
        description: 'More than 10 a minute from one address pages (SuspectedBruteForce)',
      },
      { title: 'Active JWT sessions', kind: 'stat', queries: [{ expr: 'max(acgs_jwt_tokens_active)' }], unit: 'short' },
      {
        title: 'Auth refusals by status',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (status) (rate(acgs_http_requests_total{service="auth", status=~"401|403|423|429"}[5m]))',
            legend: '{{status}}',
          },
        ],
        unit: 'reqps',
        description: '401 bad credentials, 403 CSRF/role, 423 locked, 429 rate limited',
      },
    ],
  },
  {
    uid: 'acgs-performance',
    title: 'ACGS-PGP Service Performance',
    file: 'acgs-performance.json',
    panels: [
      {
        title: 'p50 and p95 latency by service',
        kind: 'timeseries',
        queries: [
          { expr: 'acgs_http_request_duration_seconds{quantile="0.95"}', legend: '{{service}} p95' },
          { expr: 'acgs_http_request_duration_seconds{quantile="0.5"}', legend: '{{service}} p50' },
        ],
        unit: 's',
        thresholds: [0.2, 0.5],
      },
      {
        title: 'Slowest endpoints (p95, top 10)',
        kind: 'timeseries',
        queries: [
          {
            expr: 'topk(10, histogram_quantile(0.95, sum by (service, endpoint, le) (rate(acgs_http_request_duration_seconds_bucket[5m]))))',
            legend: '{{service}} {{endpoint}}',
          },
        ],
        unit: 's',
      },
      {
        title: 'Busiest endpoints (top 10)',
        kind: 'timeseries',
        queries: [
          {
            expr: 'topk(10, sum by (service, method, endpoint) (rate(acgs_http_requests_total[5m])))',
            legend: '{{method}} {{endpoint}}',
          },
        ],
        unit: 'reqps',
      },
      {
        title: 'Decision latency p99 (in-process)',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.99, sum by (instance, le) (rate(acgs_pgc_decision_duration_seconds_bucket[5m])))',
            legend: '{{instance}}',
          },
        ],
        unit: 's',
      },
      {
        title: 'Decision log transaction p99',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.99, sum by (instance, le) (rate(acgs_pgc_decision_log_write_seconds_bucket[5m])))',
            legend: '{{instance}}',
          },
        ],
        unit: 's',
        description: 'BEGIN to COMMIT; a caller waits for its batch to commit, so this bounds decision latency',
      },
      {
        title: 'Decisions per decision log transaction',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (instance) (rate(acgs_pgc_decision_log_batch_rows_sum[5m])) / sum by (instance) (rate(acgs_pgc_decision_log_batch_rows_count[5m]))',
            legend: '{{instance}}',
          },
        ],
        unit: 'short',
        description: 'Group commit under load: more decisions share a transaction as the log gets busier',
      },
      {
        title: 'Resident memory',
        kind: 'timeseries',
        queries: [
          { expr: 'max by (instance) (process_resident_memory_bytes{job="acgs-services"})', legend: '{{instance}}' },
        ],
        unit: 'bytes',
      },
      {
        title: 'CPU',
        kind: 'timeseries',
        queries: [
          {
            expr: 'max by (instance) (rate(process_cpu_seconds_total{job="acgs-services"}[5m]))',
            legend: '{{instance}}',
          },
        ],
        unit: 'percentunit',
        thresholds: [0.7, 0.9],
      },
      {
        title: 'Event loop lag p99',
        kind: 'timeseries',
        queries: [
          { expr: 'max by (instance) (nodejs_eventloop_lag_p99_seconds{job="acgs-services"})', legend: '{{instance}}' },
        ],
        unit: 's',
      },
    ],
  },
  {
    uid: 'acgs-database',
    title: 'ACGS-PGP Database',
    file: 'acgs-database.json',
    panels: [
      {
        title: 'Connections and maximum',
        kind: 'timeseries',
        queries: [
          { expr: 'max by (instance) (acgs_database_connections)', legend: '{{instance}} open' },
          { expr: 'max by (instance) (acgs_database_max_connections)', legend: '{{instance}} max' },
        ],
        unit: 'short',
      },
      {
        title: 'Waiting for a connection',
        kind: 'timeseries',
        queries: [{ expr: 'max by (instance) (acgs_database_pool_waiting)', legend: '{{instance}}' }],
        unit: 'short',
        description: 'Above 0 for long means the pool is too small or queries too slow',
      },
      {
        title: 'Query p95 by operation',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (operation, le) (rate(acgs_db_query_duration_seconds_bucket[5m])))',
            legend: '{{operation}}',
          },
        ],
        unit: 's',
        thresholds: [0.1, 0.5],
        description: 'Target < 100 ms',
      },
      {
        title: 'Queries per second by operation',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (operation) (rate(acgs_db_query_duration_seconds_count[5m]))', legend: '{{operation}}' },
        ],
        unit: 'ops',
      },
      {
        title: 'Slow queries per second',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (operation) (rate(acgs_db_slow_queries_total[5m]))', legend: '{{operation}}' }],
        unit: 'ops',
        description: 'Each is logged as "slow query" with its SQL',
      },
      {
        title: 'Audit append p95',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le) (rate(acgs_audit_append_duration_seconds_bucket[5m])))',
            legend: 'append',
          },
        ],
        unit: 's',
      },
    ],
  },
  {
    uid: 'acgs-errors',
    title: 'ACGS-PGP Errors',
    file: 'acgs-errors.json',
    panels: [
      {
        title: '5xx share by service',
        kind: 'timeseries',
        queries: byService('service:acgs_http_requests:error_ratio'),
        unit: 'percentunit',
        thresholds: [0.05, 0.1],
      },
      {
        title: 'Errors by type',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (service, type, severity) (rate(acgs_errors_total[5m]))',
            legend: '{{service}} {{type}} ({{severity}})',
          },
        ],
        unit: 'ops',
      },
      {
        title: 'Client errors by status',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (service, status) (rate(acgs_http_requests_total{status=~"4.."}[5m]))',
            legend: '{{service}} {{status}}',
          },
        ],
        unit: 'reqps',
      },
      {
        title: 'Calls to other services by outcome',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (source, target, status) (rate(acgs_service_calls_total[5m]))',
            legend: '{{source}} → {{target}} {{status}}',
          },
        ],
        unit: 'ops',
      },
    ],
  },
  {
    uid: 'acgs-governance',
    title: 'ACGS-PGP Governance',
    file: 'acgs-governance.json',
    panels: [
      {
        title: 'Decisions by outcome',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (decision) (rate(acgs_pgc_decisions_total[5m]))', legend: '{{decision}}' }],
        unit: 'ops',
      },
      {
        title: 'Deny rate by principle',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (principle) (rate(acgs_pgc_denials_by_principle_total[5m]))', legend: '{{principle}}' },
        ],
        unit: 'ops',
      },
      {
        title: 'MCP tool calls by outcome',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (decision) (rate(acgs_mcp_calls_total[5m]))', legend: '{{decision}}' }],
        unit: 'ops',
        description: 'allow, deny, held (waiting for or refused an approval), redacted, upstream_error, unknown_tool',
      },
      {
        title: 'MCP tools denied or held (top 10)',
        kind: 'timeseries',
        queries: [
          {
            expr: 'topk(10, sum by (server, tool) (rate(acgs_mcp_calls_total{decision=~"deny|held"}[15m])))',
            legend: '{{server}}.{{tool}}',
          },
        ],
        unit: 'ops',
      },
      {
        title: 'MCP upstream errors',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (server) (increase(acgs_mcp_calls_total{decision="upstream_error"}[10m]))',
            legend: '{{server}}',
          },
        ],
        unit: 'short',
        thresholds: [0.5, 5],
        description:
          'Allowed calls an upstream did not complete (down, crashed, timed out): each is an mcp.upstream_failed audit event',
      },
      {
        title: 'LLM gateway exchanges by outcome',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (outcome) (rate(acgs_llm_requests_total[5m]))', legend: '{{outcome}}' }],
        unit: 'ops',
        description:
          'allow, redacted, denied (the prompt never reached the model), withheld (an answer or proposed tool call refused), upstream_error',
      },
      {
        title: 'LLM tokens per second',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (direction) (rate(acgs_llm_tokens_total[5m]))', legend: '{{direction}}' }],
        unit: 'short',
        description: 'As the providers counted them, or estimated at four characters a token when they did not',
      },
      {
        title: 'LLM gateway: time to first token and overhead p95',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le) (rate(acgs_llm_time_to_first_token_seconds_bucket[5m])))',
            legend: 'time to first token (streams)',
          },
          {
            expr: 'histogram_quantile(0.95, sum by (le, phase) (rate(acgs_llm_gateway_overhead_seconds_bucket[5m])))',
            legend: 'overhead: {{phase}}',
          },
        ],
        unit: 's',
        description:
          'Time to first token includes the hold-back window (256 characters); overhead is what the gateway adds before the provider is called (prompt) and after it answered (answer)',
      },
      {
        title: 'Deny share',
        kind: 'stat',
        queries: [
          {
            expr: 'sum(rate(acgs_pgc_decisions_total{decision="deny"}[5m])) / sum(rate(acgs_pgc_decisions_total[5m]))',
          },
        ],
        unit: 'percentunit',
      },
      {
        title: 'Bundle version: active vs enforced',
        kind: 'timeseries',
        queries: [
          { expr: 'max(acgs_bundle_active_version)', legend: 'active' },
          { expr: 'acgs_pgc_bundle_version', legend: 'enforced by {{instance}}' },
        ],
        unit: 'none',
      },
      {
        title: 'Constitution version',
        kind: 'stat',
        queries: [{ expr: 'max(acgs_constitution_version)' }],
        unit: 'none',
      },
      {
        title: 'Audit log growth (entries per second)',
        kind: 'timeseries',
        queries: [{ expr: 'max(deriv(acgs_audit_log_size[15m]))', legend: 'entries/s' }],
        unit: 'ops',
      },
      {
        title: 'Fail-closed denials',
        kind: 'timeseries',
        queries: [{ expr: 'sum by (reason) (rate(acgs_pgc_fail_closed_total[5m]))', legend: '{{reason}}' }],
        unit: 'ops',
        thresholds: [0.001, 0.01],
      },
      {
        title: 'Integrity problems',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (check) (increase(acgs_audit_verify_failures_total[10m]))', legend: 'audit {{check}}' },
          {
            expr: 'sum by (reason) (increase(acgs_pgc_bundle_load_failures_total[10m]))',
            legend: 'bundle refused: {{reason}}',
          },
        ],
        unit: 'short',
        thresholds: [0.5, 1],
        description: 'Anything above 0 is an incident: see the audit and policy transparency runbooks',
      },
      {
        title: 'Bundle in force conforms to the constitution',
        kind: 'stat',
        queries: [{ expr: 'min(acgs_fv_bundle_conforms)' }],
        unit: 'none',
        thresholds: [0.5, 1],
        description:
          '1: proved to conform; 0: violated or undecided (see the latest bundle job in /api/v1/verify/jobs)',
      },
      {
        title: 'Verification jobs by verdict',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (kind, verdict) (increase(acgs_fv_jobs_total[1h]))', legend: '{{kind}} {{verdict}}' },
        ],
        unit: 'short',
      },
      {
        title: 'Verification job time (p95)',
        kind: 'timeseries',
        queries: [
          {
            expr: 'histogram_quantile(0.95, sum by (le, kind) (rate(acgs_fv_job_duration_seconds_bucket[15m])))',
            legend: '{{kind}}',
          },
        ],
        unit: 's',
      },
      {
        title: 'Solver calls and workers',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (result) (rate(acgs_fv_queries_total[5m]))', legend: 'calls {{result}}' },
          { expr: 'sum by (state) (acgs_fv_workers)', legend: 'workers {{state}}' },
          { expr: 'sum(increase(acgs_fv_workers_lost_total[15m]))', legend: 'workers lost' },
          { expr: 'sum(increase(acgs_fv_encoding_mismatches_total[1h]))', legend: 'encoding mismatches' },
        ],
        unit: 'short',
        description:
          'unknown calls are timeouts or resource limits (inconclusive answers); any mismatch is a verifier bug',
      },
      {
        title: 'Synthesis runs by outcome',
        kind: 'timeseries',
        queries: [
          {
            expr: 'sum by (engine, outcome) (increase(acgs_gs_synthesis_total[1h]))',
            legend: '{{engine}} {{outcome}}',
          },
          {
            expr: 'histogram_quantile(0.5, sum by (le) (rate(acgs_gs_attempts_bucket{engine="llm"}[1h])))',
            legend: 'LLM replies per principle (median)',
          },
        ],
        unit: 'short',
        description:
          'failed runs never reach the policy store; GET /api/v1/synthesize/runs?status=failed gives reasons',
      },
      {
        title: 'LLM tokens and request time',
        kind: 'timeseries',
        queries: [
          { expr: 'sum by (kind) (rate(acgs_gs_llm_tokens_total[5m]))', legend: '{{kind}} tokens/s' },
          {
            expr: 'histogram_quantile(0.95, sum by (le) (rate(acgs_gs_llm_request_duration_seconds_bucket[15m])))',
            legend: 'request p95 (s)',
          },
        ],
        unit: 'short',
      },
      {
        title: 'Amendments and votes',
        kind: 'timeseries',
        queries: [
          { expr: 'sum(rate(acgs_amendments_total[1h]))', legend: 'amendments' },
          { expr: 'sum(rate(acgs_votes_total[1h]))', legend: 'votes' },
        ],
        unit: 'ops',
      },
    ],
  },
];

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** Grafana's dashboard JSON (schema 39) for one spec; panels flow two per row. */
export function dashboardJson(spec: DashboardSpec): Record<string, unknown> {
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ['acgs'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: { text: 'Prometheus', value: 'prometheus' },
        },
      ],
    },
    panels: spec.panels.map((panel, index) => ({
      id: index + 1,
      type: panel.kind,
      title: panel.title,
      ...(panel.description === undefined ? {} : { description: panel.description }),
      gridPos: {
        x: (index % 2) * PANEL_WIDTH,
        y: Math.floor(index / 2) * PANEL_HEIGHT,
        w: PANEL_WIDTH,
        h: PANEL_HEIGHT,
      },
      datasource: { type: 'prometheus', uid: '${datasource}' },
      targets: panel.queries.map((query, position) => ({
        refId: String.fromCharCode(65 + position),
        datasource: { type: 'prometheus', uid: '${datasource}' },
        expr: query.expr,
        ...(query.legend === undefined ? {} : { legendFormat: query.legend }),
      })),
      fieldConfig: {
        defaults: {
          unit: panel.unit ?? 'short',
          ...(panel.thresholds === undefined
            ? {}
            : {
                thresholds: {
                  mode: 'absolute',
                  steps: [
                    { color: 'green', value: null },
                    { color: 'yellow', value: panel.thresholds[0] },
                    { color: 'red', value: panel.thresholds[1] },
                  ],
                },
              }),
        },
        overrides: [],
      },
    })),
  };
}
