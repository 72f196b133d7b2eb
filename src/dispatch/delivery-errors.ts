/**
 * How a failed delivery must be treated (BullMQ's habit: the error class says how the queue
 * reacts). Messages carry the SMTP reply or error code, never credentials or message content.
 */

/**
 * Try again later: an SMTP 4xx answer, a lost connection, a timeout, a full disk. The ledger
 * field stays `sending`, the job fails and BullMQ retries it with backoff; the retry re-sends
 * with the same Message-ID.
 */
export class TransientDeliveryError extends Error {
  constructor(
    message: string,
    /** SMTP reply code (e.g. 451) or an error code (ECONNECTION, ETIMEDOUT, ENOSPC, ...). */
    readonly code: number | string,
    /**
     * `message`: this recipient only (carry on with the others); `connection`: the relay or the
     * disk is unusable, so the rest of the batch is left for the retry rather than tried now.
     */
    readonly scope: 'message' | 'connection',
  ) {
    super(message);
    this.name = 'TransientDeliveryError';
  }
}

/**
 * The relay refused this message for good (SMTP 5xx): record `failed:<code>`, suppress the
 * address as hard-bounced, never retry.
 */
export class PermanentDeliveryError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

export type DeliveryError = TransientDeliveryError | PermanentDeliveryError;

interface SmtpLikeError {
  code?: string;
  responseCode?: number;
  /** nodemailer sets it from the reply class: true for 5xx except 503. */
  permanent?: boolean;
  command?: string;
  response?: string;
  message?: string;
}

// Failures of our own configuration or credentials: never the recipient's fault, so never a
// permanent failure of the address even when the relay answers 5xx (e.g. 535 at AUTH).
const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ECONFIG', 'ETLS', 'EREQUIRETLS', 'EPROXY']);
// Errors about one message; any other coded error (ECONNECTION, ETIMEDOUT, ENOSPC, ...) means
// the relay or the disk is unusable for now.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'ESTREAM', 'EMAXRECIPIENTS']);

/** Classifies anything a send threw. Unknown errors are transient: retrying is the safe side. */
export function classifyDeliveryError(error: unknown): DeliveryError {
  if (error instanceof TransientDeliveryError || error instanceof PermanentDeliveryError) return error;
  const e = (error ?? {}) as SmtpLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const reply = typeof e.response === 'string' ? ` (${oneLine(e.response)})` : '';
  const where = e.command ? ` at ${oneLine(e.command).split(' ')[0]}` : '';
  if (code && CONFIG_CODES.has(code)) {
    return new TransientDeliveryError(
      `SMTP ${code}${where}: check the relay settings and credentials${reply}`,
      e.responseCode ?? code,
      'connection',
    );
  }
  if (typeof e.responseCode === 'number') {
    const permanent =
      e.permanent ?? (e.responseCode >= 500 && e.responseCode < 600 && e.responseCode !== 503);
    if (permanent)
      return new PermanentDeliveryError(`SMTP ${e.responseCode}${where}${reply}`, e.responseCode);
    return new TransientDeliveryError(`SMTP ${e.responseCode}${where}${reply}`, e.responseCode, 'message');
  }
  const message = oneLine(e.message ?? String(error));
  return new TransientDeliveryError(
    `${code ?? 'error'}: ${message}`,
    code ?? 'EUNKNOWN',
    code && !MESSAGE_CODES.has(code) ? 'connection' : 'message',
  );
}

function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replies are untrusted text
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}
