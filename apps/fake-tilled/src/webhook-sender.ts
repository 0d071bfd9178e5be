import { tilledSignature } from './signing.js';
import type { WireEvent } from './wire.js';

/** One delivery attempt of one event to one URL, as the fake made it. */
export interface Delivery {
  readonly eventId: string;
  readonly type: string;
  /** `data.id` of the event: the payment intent, charge or dispute it is about. */
  readonly objectId: string | undefined;
  readonly url: string;
  readonly attempt: number;
  /** The receiver's HTTP status, or 0 when it could not be reached. */
  readonly status: number;
  readonly ok: boolean;
  readonly body: string;
  readonly signature: string;
  readonly at: Date;
}

export interface DeliveryFilter {
  readonly type?: string;
  readonly eventId?: string;
  readonly objectId?: string;
  /** Only successful (2xx) attempts, or only failed ones. */
  readonly ok?: boolean;
}

export interface WebhookTarget {
  readonly url: string;
  readonly secret: string;
  /** Event types, or `*`. */
  readonly enabledEvents: readonly string[];
}

export interface WebhookSenderOptions {
  readonly targets: () => readonly WebhookTarget[];
  /** Attempts per event and target; Tilled retries on any non-2xx answer. Default 3. */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly filter: DeliveryFilter;
  readonly resolve: (d: Delivery) => void;
}

function matches(d: Delivery, f: DeliveryFilter): boolean {
  return (
    (f.type === undefined || d.type === f.type) &&
    (f.eventId === undefined || d.eventId === f.eventId) &&
    (f.objectId === undefined || d.objectId === f.objectId) &&
    (f.ok === undefined || d.ok === f.ok)
  );
}

/** Sends events like Tilled: signed with a millisecond timestamp, retried on non-2xx, never ordered. */
export class WebhookSender {
  readonly deliveries: Delivery[] = [];
  #held: WireEvent[] | undefined;
  #inFlight = new Set<Promise<unknown>>();
  #waiters = new Set<Waiter>();
  readonly #options: WebhookSenderOptions;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
  }

  /** Queue an event for delivery (asynchronously, after the API answer that caused it). */
  enqueue(event: WireEvent): void {
    if (this.#held !== undefined) {
      this.#held.push(event);
      return;
    }
    this.#track(new Promise((r) => setImmediate(r)).then(() => this.send(event)));
  }

  /** Keep events instead of sending them, until `release`. */
  hold(): void {
    this.#held ??= [];
  }

  /** Send held events one after another, in creation order or reversed (out-of-order delivery). */
  async release(order: 'created' | 'reverse' = 'created'): Promise<Delivery[]> {
    const held = this.#held ?? [];
    this.#held = undefined;
    const list = order === 'reverse' ? [...held].reverse() : held;
    const out: Delivery[] = [];
    for (const event of list) out.push(...(await this.#track(this.send(event))));
    return out;
  }

  /** Deliver an event to every subscribed target now, retrying non-2xx answers. */
  async send(event: WireEvent): Promise<Delivery[]> {
    const targets = this.#options
      .targets()
      .filter((t) => t.enabledEvents.includes('*') || t.enabledEvents.includes(event.type));
    return Promise.all(targets.map((t) => this.#sendTo(event, t)));
  }

  async #sendTo(event: WireEvent, target: WebhookTarget): Promise<Delivery> {
    const maxAttempts = this.#options.maxAttempts ?? 3;
    const body = JSON.stringify(event);
    let last: Delivery | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const signature = tilledSignature(body, target.secret, Date.now());
      let status = 0;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'tilled-signature': signature },
          body,
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 5_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        status = 0;
      }
      const data = event.data as { id?: unknown };
      last = {
        eventId: event.id,
        type: event.type,
        objectId: typeof data.id === 'string' ? data.id : undefined,
        url: target.url,
        attempt,
        status,
        ok: status >= 200 && status < 300,
        body,
        signature,
        at: new Date(),
      };
      this.#record(last);
      if (last.ok) break;
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, this.#options.retryDelayMs ?? 100));
    }
    return last!;
  }

  #record(delivery: Delivery): void {
    this.deliveries.push(delivery);
    for (const waiter of this.#waiters) {
      if (matches(delivery, waiter.filter)) {
        this.#waiters.delete(waiter);
        waiter.resolve(delivery);
      }
    }
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
    return promise;
  }

  /** The first attempt (past or future) matching `filter`; rejects after `timeoutMs`. */
  waitFor(filter: DeliveryFilter, timeoutMs = 5_000): Promise<Delivery> {
    const found = this.deliveries.find((d) => matches(d, filter));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`No webhook delivery matching ${JSON.stringify(filter)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        filter,
        resolve: (d) => {
          clearTimeout(timer);
          resolve(d);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Resolves once every delivery under way has finished (retries included). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
