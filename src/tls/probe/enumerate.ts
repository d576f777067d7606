import type { ProbeAnswer } from './exchange.js';

// Cipher suite enumeration for one protocol: "offer them all, record the one the server picks,
// remove it, repeat until it refuses", over chunks of at most MAX_SUITES_PER_HELLO suites.
//
// A refusal at the end of a chunk normally means "nothing left that I accept". But some stacks
// refuse any hello that merely *contains* a suite they dislike (an mbedTLS build closes on ARIA,
// Erlang/OTP answers handshake_failure to SRP), which would hide every suite offered with it. So:
//  - suites of the families that do this (suite-order.ts isPoisonProne) get chunks of their own,
//    after the mainstream ones, and cannot hide them;
//  - a server says "nothing I accept" the same way every time: the refusals of the mainstream
//    chunks set that way (an alert and its name, or a silent close). A refusal that differs from
//    it is something else: mbedTLS (lighttpd, ARIA listed) picks an ARIA suite and then closes,
//    where "no shared suite" is handshake_failure; Erlang/OTP with SRP suites enabled picks one
//    and fails with handshake_failure, where "no shared suite" is insufficient_security. Such a
//    rest is explored: offered in halves, each one judged the same way (accepted → enumerate it,
//    refused the usual way → nothing there, refused otherwise → halve again), down to the single
//    suites that break a hello, reported as intolerant. (A canary — the rest plus a suite the
//    server accepted — cannot tell this: a server with its own order just picks the canary.)
// A well-behaved server pays nothing extra; the result is the same whatever the timing (chunks are
// split only when connections would sit idle, which changes probe counts, never the suites found).

/** A probe's answer once retries are spent: a hello or a definite refusal. */
export type Settled = Exclude<ProbeAnswer, { kind: 'timeout' }>;
export type HelloAnswer = Extract<ProbeAnswer, { kind: 'hello' }>;

export interface AcceptedSuite {
  code: number;
  answer: HelloAnswer;
}

/** How the prober reads an answer to `offered`: a suite accepted with exactly this protocol, a refusal, or no such protocol. */
export type Verdict = 'refused' | 'protocol_rejected' | AcceptedSuite;

/** Hellos with more suites than this are not sent: some servers choke on them, and big hellos are rare in the wild. */
export const MAX_SUITES_PER_HELLO = 128;
/** Split an enumeration chunk only when each half keeps at least this many suites. */
const MIN_SPLIT_SUITES = 8;
/**
 * Probes one protocol may spend exploring unusual refusals: isolating each of the 30 ARIA suites an
 * mbedTLS build breaks on takes ~230; a server that says "no" differently for many suites that
 * are not poison would otherwise cost two probes a suite.
 */
const MAX_EXPLORE_PROBES = 384;

/** What enumeration needs from the prober. */
export interface EnumerationContext {
  /** One probe offering these suites, in this order (retries are the prober's business); throws when it failed for good. */
  offer(suites: number[]): Promise<Settled>;
  judge(answer: Settled, offered: number[]): Verdict;
  /** Connections that could start now (split a chunk only when both halves can run at once). */
  spareConnections(): number;
  /** Was a hello of at least `suites` suites answered with a hello, in any protocol (after every protocol's first answer)? */
  helloSizeWorks(suites: number): Promise<boolean>;
  /** failFast: did no protocol's first hello get a ServerHello (then nothing more is tried)? */
  noServerHelloAnywhere(): Promise<boolean>;
  /** A pause before retrying a silent close (rate limiting). */
  pause(ms: number): Promise<void>;
  /** Has the server answered any hello at all (hello, alert or close, in any protocol)? Then a stall is about a hello's content. */
  answersOthers(): boolean;
  note(text: string): void;
}

export interface EnumerationResult {
  /** Accepted suites, each once, by code. */
  found: AcceptedSuite[];
  /** Suites that break a hello: refused unlike the server's usual "no shared suite", or never answered. */
  intolerant: number[];
  /** Suites offered in a hello and not chosen (a server with its own order never passes over its favourite). */
  passedOver: Set<number>;
  /** The server refused the protocol itself (protocol_version, or answered another version). */
  rejected: boolean;
  /** The first probe that failed for good (timeouts, resets) when nothing could be learnt around it. */
  failure: unknown;
  /** Chunks had to be halved because the server closed on big hellos. */
  closedOnBigHello: boolean;
}

interface LoopOptions {
  /** Called with the chunk's first answer (the first chunk opens the gate for the others). */
  onFirstAnswer?: () => void;
}

export class SuiteEnumeration {
  private readonly found: AcceptedSuite[] = [];
  private readonly passedOver = new Set<number>();
  private readonly intolerant = new Set<number>();
  /** Chunk rests the server refused, and how ("alert handshake_failure", "closed"). */
  private readonly refusals: { rest: number[]; how: string; prone: boolean }[] = [];
  private rejected = false;
  private failure: unknown = null;
  private closedOnBigHello = false;
  /** Probes spent exploring unusual refusals (bounded by MAX_EXPLORE_PROBES). */
  private explored = 0;

  constructor(
    private readonly ctx: EnumerationContext,
    /** Every candidate, in the order a modern client offers them. */
    private readonly candidates: readonly number[],
    private readonly poisonProne: (code: number) => boolean,
  ) {}

  /**
   * `openGate` is called with the first chunk's first answer; the other chunks wait for it too (a
   * refused protocol costs one probe).
   */
  async run(openGate: () => void): Promise<EnumerationResult> {
    const mainstream = this.candidates.filter((c) => !this.poisonProne(c));
    const prone = this.candidates.filter((c) => this.poisonProne(c));
    const chunks = [
      ...chunksOf(mainstream, Math.ceil(mainstream.length / MAX_SUITES_PER_HELLO)),
      ...chunksOf(prone, Math.ceil(prone.length / MAX_SUITES_PER_HELLO)),
    ];
    const [first = [], ...others] = chunks;
    let gateOpened!: () => void;
    const gate = new Promise<void>((resolve) => (gateOpened = resolve));
    const firstAnswer = () => {
      openGate();
      gateOpened();
    };
    // Every loop settles before we go on: no probe connection outlives the enumeration.
    await Promise.allSettled([
      this.chunkLoop(first, { onFirstAnswer: firstAnswer }),
      ...others.map(async (chunk) => {
        await gate;
        if (this.stopped() || (await this.ctx.noServerHelloAnywhere())) return;
        await this.chunkLoop(chunk);
      }),
    ]);
    // The refusals unlike the server's usual one may hide suites: explore them, in halves. Only in
    // a protocol the server speaks: a disabled one refuses in whatever way, and hides nothing.
    const usual = this.usualRefusal();
    if (usual !== null && this.found.length > 0 && !this.stopped()) {
      const unusual = this.refusals.filter((r) => r.how !== usual).map((r) => r.rest);
      await Promise.allSettled(unusual.map((rest) => this.exploreHalves(rest, usual)));
    }
    const byCode = new Map<number, AcceptedSuite>();
    for (const f of this.found) if (!byCode.has(f.code)) byCode.set(f.code, f);
    return {
      found: [...byCode.values()].sort((a, b) => a.code - b.code),
      intolerant: [...this.intolerant].sort((a, b) => a - b),
      passedOver: this.passedOver,
      rejected: this.rejected,
      failure: this.failure,
      closedOnBigHello: this.closedOnBigHello,
    };
  }

  /**
   * How the server says "nothing I accept": the way the mainstream chunks were refused, when one way
   * is the most common; null when there is none to go by (then nothing is explored).
   */
  private usualRefusal(): string | null {
    const counts = new Map<string, number>();
    for (const r of this.refusals) if (!r.prone) counts.set(r.how, (counts.get(r.how) ?? 0) + 1);
    const ranked = [...counts].sort((a, b) => b[1] - a[1]);
    const [first, second] = ranked;
    if (!first || (second && second[1] === first[1])) return null;
    return first[0];
  }

  /** A sibling learnt that the protocol is refused, or a probe broke for good: stop. */
  private stopped(): boolean {
    return this.rejected || this.failure !== null;
  }

  /** Offer, record the chosen suite, remove it, repeat until the server refuses. */
  private async chunkLoop(chunk: number[], opts: LoopOptions = {}): Promise<void> {
    let remaining = chunk;
    let acceptedHere = 0;
    let retriedClose = false;
    let firstAnswer = opts.onFirstAnswer;
    const answered = () => {
      firstAnswer?.();
      firstAnswer = undefined;
    };
    try {
      while (remaining.length > 0 && !this.stopped()) {
        let answer: Settled;
        try {
          answer = await this.ctx.offer(remaining);
        } catch (err) {
          // A server that answers other hellos but stalls on this one stalls on something in it:
          // halve it, like a refusal, down to the suites it stalls on.
          if (isStall(err) && this.ctx.answersOthers()) {
            if (remaining.length === 1) this.intolerant.add(remaining[0] as number);
            else await Promise.all(halves(remaining).map((half) => this.chunkLoop(half)));
            return;
          }
          this.failure ??= err;
          return;
        }
        // A silent close after the server already answered this protocol smells of rate limiting: once more.
        if (answer.kind === 'closed' && !retriedClose && (this.found.length > 0 || acceptedHere > 0)) {
          retriedClose = true;
          await this.ctx.pause(250);
          continue;
        }
        const verdict = this.ctx.judge(answer, remaining);
        if (verdict === 'protocol_rejected') {
          this.rejected = true;
          return;
        }
        answered();
        if (verdict === 'refused') {
          // A silent close on a big first hello of mainstream suites may be intolerance to its
          // size: try halves. Not when a hello at least as big was answered (e.g. this chunk's
          // parent before a split): then the close is just how this server refuses. (A close on
          // poison-prone suites is checked with the canary instead, which tells both apart.)
          const prone = remaining.some((c) => this.poisonProne(c));
          if (
            acceptedHere === 0 &&
            answer.kind === 'closed' &&
            !prone &&
            remaining.length > 32 &&
            !(await this.ctx.noServerHelloAnywhere()) &&
            !(await this.ctx.helloSizeWorks(remaining.length))
          ) {
            this.closedOnBigHello = true;
            await Promise.all(halves(remaining).map((half) => this.chunkLoop(half)));
            return;
          }
          // "None of these", or "one of these poisons the hello"? Check later, with a canary.
          this.refusals.push({ rest: remaining, how: refusalOf(answer), prone });
          return;
        }
        this.accept(verdict, remaining);
        acceptedHere++;
        remaining = remaining.filter((c) => c !== verdict.code);
        // One connection for us, one for the other half: split only if both can start now.
        if (remaining.length >= 2 * MIN_SPLIT_SUITES && this.ctx.spareConnections() >= 2) {
          await Promise.all(halves(remaining).map((half) => this.chunkLoop(half)));
          return;
        }
      }
    } finally {
      answered();
    }
  }

  private accept(verdict: AcceptedSuite, offered: readonly number[]): void {
    this.found.push(verdict);
    for (const c of offered) if (c !== verdict.code) this.passedOver.add(c);
  }

  /** A rest refused in an unusual way: its halves are explored. */
  private async exploreHalves(rest: number[], usual: string): Promise<void> {
    if (rest.length === 1) {
      this.intolerant.add(rest[0] as number);
      return;
    }
    await Promise.all(halves(rest).map((half) => this.explore(half, usual)));
  }

  /**
   * Offer `suites` alone: accepted → record it and go on with the rest; refused the usual way →
   * none of them is accepted; refused otherwise → something in them breaks the hello: halve.
   */
  private async explore(suites: number[], usual: string): Promise<void> {
    let remaining = suites;
    while (remaining.length > 0 && !this.stopped()) {
      if (++this.explored > MAX_EXPLORE_PROBES) {
        if (this.explored === MAX_EXPLORE_PROBES + 1)
          this.ctx.note(`stopped after ${MAX_EXPLORE_PROBES} probes into refusals unlike the others; the suite list may be incomplete`);
        return;
      }
      let answer: Settled;
      try {
        answer = await this.ctx.offer(remaining);
      } catch (err) {
        if (isStall(err)) return this.exploreHalves(remaining, usual);
        this.failure ??= err;
        return;
      }
      const verdict = this.ctx.judge(answer, remaining);
      if (verdict === 'protocol_rejected') {
        this.ctx.note('a hello was answered with another protocol version while the rest of the suites were explored');
        return;
      }
      if (verdict === 'refused') {
        if (refusalOf(answer) !== usual) await this.exploreHalves(remaining, usual);
        return;
      }
      this.accept(verdict, remaining);
      remaining = remaining.filter((c) => c !== verdict.code);
    }
  }
}

/** How a refusal looked: "alert handshake_failure", "closed", "malformed". */
function refusalOf(answer: Settled): string {
  return answer.kind === 'alert' ? `alert ${answer.alert.name}` : answer.kind;
}

/** A probe that got no answer in its own time (not a deadline of the endpoint or the scan: those stop everything). */
function isStall(err: unknown): boolean {
  const e = err as { code?: unknown; deadline?: unknown } | null;
  return e?.code === 'timeout' && e.deadline === 'phase';
}

/** Two round-robin halves. */
export function halves<T>(items: readonly T[]): T[][] {
  return chunksOf(items, 2);
}

/** Round-robin split, so that likely-accepted suites spread over the chunks. */
export function chunksOf<T>(items: readonly T[], count: number): T[][] {
  const n = Math.max(1, Math.min(count, items.length));
  const chunks: T[][] = Array.from({ length: n }, () => []);
  for (const [i, item] of items.entries()) chunks[i % n]?.push(item);
  return chunks.filter((c) => c.length > 0);
}
