import OpenAI from 'openai';
import type { ChatModel, ChatReply } from '../../domain/synthesis/chat-model.js';
import type { ChatMessage } from '../../domain/synthesis/prompts.js';
import type { Config } from '../config.js';

/** What each model request cost, for the service's metrics. */
export interface ModelUsageListener {
  (usage: { promptTokens: number; completionTokens: number; seconds: number; ok: boolean }): void;
}

/**
 * Any OpenAI-compatible chat-completions endpoint as the synthesis loop's model. The SDK owns the transport: a
 * per-request timeout, and retries with exponential backoff on 408, 409, 429, 5xx and connection errors. A reply
 * without a message is an error, never an empty policy.
 */
export class OpenAiChatModel implements ChatModel {
  readonly model: string;
  readonly temperature: number;
  readonly seed: number | null;
  private readonly client: OpenAI;

  constructor(
    settings: Config['llm'] & { baseUrl: string; model: string },
    private readonly onUsage: ModelUsageListener = () => {},
  ) {
    this.model = settings.model;
    this.temperature = settings.temperature;
    this.seed = settings.seed;
    this.client = new OpenAI({
      baseURL: settings.baseUrl,
      // Local OpenAI-compatible servers often take no key; the SDK insists on one.
      apiKey: settings.apiKey ?? 'none',
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
    });
  }

  async complete(messages: readonly ChatMessage[]): Promise<ChatReply> {
    const started = performance.now();
    try {
      const completion = await this.client.chat.completions.create({
        model: this.model,
        messages: messages.map((message) => ({ role: message.role, content: message.content })),
        temperature: this.temperature,
        ...(this.seed === null ? {} : { seed: this.seed }),
      });
      const text = completion.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw new Error('the reply carries no message content');
      const reply = {
        text,
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
        latencyMs: performance.now() - started,
      };
      this.onUsage({ ...reply, seconds: reply.latencyMs / 1000, ok: true });
      return reply;
    } catch (error) {
      this.onUsage({ promptTokens: 0, completionTokens: 0, seconds: (performance.now() - started) / 1000, ok: false });
      throw error;
    }
  }
}

/** The configured model, or null when no LLM_BASE_URL is set (synthesis then compiles, and says so). */
export function configuredModel(settings: Config['llm'], onUsage?: ModelUsageListener): ChatModel | null {
  if (settings.baseUrl === null || settings.model === null) return null;
  return new OpenAiChatModel({ ...settings, baseUrl: settings.baseUrl, model: settings.model }, onUsage);
}
