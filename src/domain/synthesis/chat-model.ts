import type { ChatMessage } from './prompts.js';

export interface ChatReply {
  text: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** A chat-completions model: the port the synthesis loop talks to (an OpenAI-compatible endpoint in production). */
export interface ChatModel {
  readonly model: string;
  readonly temperature: number;
  readonly seed: number | null;
  complete(messages: readonly ChatMessage[]): Promise<ChatReply>;
}
