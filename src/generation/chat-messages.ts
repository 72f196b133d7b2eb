/** A chat turn as transformers.js chat templates take it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The prompt for a model without a chat template (a base model such as the stories260K fixture):
 * the system text, then the user text, then an empty line for the model to continue after.
 */
export function plainPrompt(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => m.content.trim()).join('\n\n')}\n\n`;
}
