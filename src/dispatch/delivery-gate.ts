import type { MailTransport } from './transport.js';

/**
 * How many deliveries one process may have between "about to send" and "outcome recorded in the
 * ledger", across all the batches it runs at once: the transport's concurrency (the SMTP pool
 * size). A slot is taken before the lease check and kept until the mark is written, so a crash,
 * even one while Redis is unreachable, can leave at most that many mails delivered but
 * unrecorded (re-sent by the next attempt with the same Message-ID), and a message never waits in
 * the transport's own queue past the moment its lease was checked.
 */
export class DeliveryGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly slots: number) {
    if (!(Number.isInteger(slots) && slots > 0))
      throw new Error(`delivery gate needs ≥ 1 slot, got ${slots}`);
  }

  acquire(): Promise<void> {
    if (this.active < this.slots) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next sender
    else this.active--;
  }
}

const gates = new WeakMap<MailTransport, DeliveryGate>();

/** The process-wide gate of a transport (one per transport object). */
export function deliveryGateOf(transport: MailTransport): DeliveryGate {
  let gate = gates.get(transport);
  if (!gate) {
    gate = new DeliveryGate(Math.max(1, Math.floor(transport.concurrency)));
    gates.set(transport, gate);
  }
  return gate;
}
