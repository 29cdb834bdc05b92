import { Command } from 'commander';
import { exchangeDecisions, type ExchangeDecision } from '../../sdk/index.js';
import { apiKeyOrExit } from '../with-platform.js';

interface TestOptions {
  url: string;
  apiKeyEnv: string;
  receipts: string;
  model?: string;
  stream?: boolean;
  session?: string;
  json?: boolean;
}

/** What one governed exchange came to, as `acgs llm test` reports it. */
interface Report {
  model: string;
  outcome: 'answered' | 'withheld' | 'denied' | 'failed';
  answer: string;
  finish_reason: string | null;
  refusal: string | null;
  error: { status: number | null; code: string | null; message: string } | null;
  /** The error body names only the decisions' ids: their action and outcome are then null, not guessed. */
  decisions: { decision_id: string; action: string | null; decision: string | null; receipt: string }[];
}

/** Exit codes: 0 answered, 3 denied or withheld by policy (as `acgs eval` exits on a deny), 1 anything else. */
const EXIT = { answered: 0, withheld: 3, denied: 3, failed: 1 } as const;

function print(report: Report, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const lines = [`model     ${report.model}`, `outcome   ${report.outcome}`];
  if (report.answer !== '') lines.push(`answer    ${report.answer}`);
  if (report.finish_reason !== null) lines.push(`finish    ${report.finish_reason}`);
  if (report.refusal !== null) lines.push(`refusal   ${report.refusal}`);
  if (report.error !== null)
    lines.push(`error     ${report.error.status ?? '-'} ${report.error.code ?? ''} ${report.error.message}`.trim());
  lines.push('decisions');
  for (const decision of report.decisions)
    lines.push(
      `  ${(decision.action ?? '-').padEnd(9)} ${(decision.decision ?? '-').padEnd(5)} ${decision.decision_id}  ${decision.receipt}`,
    );
  if (report.decisions.length === 0) lines.push('  (none)');
  console.log(lines.join('\n'));
}

/** Llm: the LLM gateway, from the command line. */
export function registerLlmCommands(program: Command): void {
  const llm = program.command('llm').description('the LLM gateway');
  llm
    .command('test')
    .description(
      'send one governed chat completion through the LLM gateway with the real OpenAI client, and print the answer and every decision on it with its receipt',
    )
    .argument('[prompt]', 'what to ask', 'Reply with one short sentence: can you hear me?')
    .option('--url <url>', "the gateway's OpenAI base URL", 'http://127.0.0.1:8005/v1')
    .option('--api-key-env <name>', 'the environment variable holding the ACGS API key', 'ACGS_API_KEY')
    .option(
      '--receipts <url>',
      "where receipts are fetched (integrity's, or the nginx gateway's origin + /api/v1/audit/receipts/)",
      'http://127.0.0.1:8002/api/v1/audit/receipts/',
    )
    .option('--model <model>', '<upstream>/<model>; default: the first model GET /v1/models lists')
    .option('--stream', 'stream the answer (printed when it ends)')
    .option('--session <id>', 'the enforcement session to ask in (x-acgs-session)')
    .option('--json', 'print the report as JSON')
    .action(async (prompt: string, options: TestOptions) => {
      const apiKey = apiKeyOrExit('acgs llm test', options.apiKeyEnv, 'an ACGS API key');
      // Loaded here: every other command would pay for the OpenAI client's start-up otherwise.
      const { default: OpenAI } = await import('openai');
      const client = new OpenAI({
        baseURL: options.url,
        apiKey,
        maxRetries: 0,
        defaultHeaders: options.session === undefined ? {} : { 'x-acgs-session': options.session },
      });
      const receiptOf = (decision: Pick<ExchangeDecision, 'decision_id'> & Partial<ExchangeDecision>) => ({
        decision_id: decision.decision_id,
        action: decision.action ?? null,
        decision: decision.decision ?? null,
        receipt: new URL(
          decision.decision_id,
          options.receipts.endsWith('/') ? options.receipts : `${options.receipts}/`,
        ).href,
      });
      const report: Report = {
        model: options.model ?? '',
        outcome: 'answered',
        answer: '',
        finish_reason: null,
        refusal: null,
        error: null,
        decisions: [],
      };
      try {
        if (report.model === '') {
          const models = await client.models.list();
          if (models.data.length === 0) {
            console.error('acgs llm test: the gateway routes no models: register an upstream first');
            process.exit(2);
          }
          report.model = models.data[0]!.id;
        }
        const request = { model: report.model, messages: [{ role: 'user' as const, content: prompt }] };
        if (options.stream === true) {
          const stream = await client.chat.completions.create({ ...request, stream: true });
          for await (const chunk of stream) {
            const choice = chunk.choices[0];
            report.answer += choice?.delta.content ?? '';
            const refusal = (choice?.delta as { refusal?: string | null } | undefined)?.refusal;
            if (typeof refusal === 'string') report.refusal = (report.refusal ?? '') + refusal;
            if (choice?.finish_reason) report.finish_reason = choice.finish_reason;
            const decided = exchangeDecisions(chunk);
            if (decided.length > 0) report.decisions = decided.map(receiptOf);
          }
        } else {
          const completion = await client.chat.completions.create(request);
          const message = completion.choices[0]?.message;
          report.answer = message?.content ?? '';
          report.refusal = message?.refusal ?? null;
          report.finish_reason = completion.choices[0]?.finish_reason ?? null;
          report.decisions = exchangeDecisions(completion).map(receiptOf);
        }
        if (report.finish_reason === 'content_filter') report.outcome = 'withheld';
      } catch (error) {
        if (!(error instanceof OpenAI.APIError)) throw error;
        const body = (error.error ?? {}) as { decision_ids?: string[] };
        report.outcome = error.status === 403 ? 'denied' : 'failed';
        report.error = { status: error.status ?? null, code: error.code ?? null, message: error.message };
        // A denied prompt's decision, or the decisions before an upstream failed: each has its receipt.
        report.decisions = (body.decision_ids ?? []).map((id) => receiptOf({ decision_id: id }));
      }
      print(report, options.json === true);
      process.exitCode = EXIT[report.outcome];
    });
}
