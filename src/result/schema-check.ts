import type * as Schema from './schema.generated.js';
import type { ScanResult } from './types.js';

// docs/result.schema.json and the types of types.ts describe one document. schema.generated.ts is
// generated from the schema (scripts/generate-schema-types.mjs; a unit test keeps it up to date),
// and this file does not compile unless the two are the same type: the same properties, each
// optional or required alike, with the same values (enumerations included). tsc names every place
// they differ: "ScanResult.endpoints[].tls.groups[].kind: only in the types".

type Scalar = string | number | boolean | bigint | symbol | null | undefined;

/** True when A and B are the same type (not merely assignable to each other). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Intersections and `extends` flattened into plain object types, so that equal shapes compare equal. */
type Flat<T> = T extends Scalar ? T : T extends readonly (infer E)[] ? Flat<E>[] : { [K in keyof T]: Flat<T[K]> };

type ObjectPart<T> = Exclude<T, Scalar | readonly unknown[]>;
type ListPart<T> = Extract<T, readonly unknown[]>;
type Item<T> = T extends readonly (infer E)[] ? E : never;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** The paths at which S (the schema's) and T (the types') differ; never when they are the same. */
export type Differences<S, T, P extends string> = Same<Flat<S>, Flat<T>> extends true ? never : OrHere<Inside<S, T, P>, P>;

/** Where below P they differ, or P itself when nothing below explains it (scalars, unions of several shapes). */
type OrHere<D, P extends string> = [D] extends [never] ? P : D;

type Inside<S, T, P extends string> =
  Same<Flat<Exclude<S, ObjectPart<S> | ListPart<S>>>, Flat<Exclude<T, ObjectPart<T> | ListPart<T>>>> extends false
    ? `${P}: another type`
    :
        | ([ListPart<S>, ListPart<T>] extends [never, never] ? never : Differences<Item<ListPart<S>>, Item<ListPart<T>>, `${P}[]`>)
        | ([ObjectPart<S>, ObjectPart<T>] extends [never, never] ? never : Properties<ObjectPart<S>, ObjectPart<T>, P>);

type Properties<S, T, P extends string> =
  | { [K in Exclude<keyof S, keyof T>]: `${P}.${K & string}: only in the schema` }[Exclude<keyof S, keyof T>]
  | { [K in Exclude<keyof T, keyof S>]: `${P}.${K & string}: only in the types` }[Exclude<keyof T, keyof S>]
  | {
      [K in keyof S & keyof T]: K extends OptionalKeys<S>
        ? K extends OptionalKeys<T>
          ? Differences<S[K], T[K], `${P}.${K & string}`>
          : `${P}.${K & string}: optional in the schema only`
        : K extends OptionalKeys<T>
          ? `${P}.${K & string}: optional in the types only`
          : Differences<S[K], T[K], `${P}.${K & string}`>;
    }[keyof S & keyof T];

/** Compiles only when D is never. */
type None<D extends never> = D;

export type ResultSchemaMatchesTypes = None<Differences<Schema.ScanResult, ScanResult, 'ScanResult'>>;

// The checker catches what it should (tsc fails here otherwise).
type Expect<T extends true> = T;
type Self = { a: string; list: { code: 'x' | 'y' }[]; nested: { n: number } | null; opt?: boolean };
export type DifferencesSelfTest = [
  Expect<Same<Differences<Self, Self, 'R'>, never>>,
  Expect<Same<Differences<{ a: string } & { b: number }, { a: string; b: number }, 'R'>, never>>,
  Expect<Same<Differences<Self, Self & { extra?: string }, 'R'>, 'R.extra: only in the types'>>,
  Expect<Same<Differences<Self & { extra: string }, Self, 'R'>, 'R.extra: only in the schema'>>,
  Expect<Same<Differences<Self, Omit<Self, 'opt'> & { opt: boolean }, 'R'>, 'R.opt: optional in the schema only'>>,
  Expect<Same<Differences<Self, Omit<Self, 'list'> & { list: { code: 'x' }[] }, 'R'>, 'R.list[].code: another type'>>,
  Expect<Same<Differences<Self, Omit<Self, 'nested'> & { nested: { n: number } }, 'R'>, 'R.nested: another type'>>,
  Expect<Same<Differences<Self, Omit<Self, 'nested'> & { nested: { n: string } | null }, 'R'>, 'R.nested.n: another type'>>,
  Expect<Same<Differences<{ a: string[] }, { a: string }, 'R'>, 'R.a: another type'>>,
];
