import { inspect } from 'node:util';

// A secret value in the configuration (the version query account's password). It prints as
// "[redacted]" however it is printed (String(), JSON.stringify, util.inspect, pino), so
// logging or dumping the configuration never shows it; only reveal() does.

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}
