/**
 * The configuration schema's toolkit. Each option is declared once, in a table of option
 * descriptors (config/defaults.ts): its doc comment, its default and the function that checks a
 * given value. From a table come the option's input type (`InputOf`), its resolved type
 * (`ResolvedOf`), the unknown-key check with its "did you mean" hint (`resolveTable`), and the
 * reference in docs/configuration.md (scripts/config-reference.ts reads the doc comments).
 */
import { ConfigurationError } from '../errors/configuration-error.js';

/** What a default may depend on: the issuer, resolved before every other option. */
export interface DefaultContext {
  readonly issuer: string;
}

/** A default computed when the options are resolved (the reference shows its `@default` tag). */
export interface Computed<Out> {
  readonly computed: (context: DefaultContext, at: string) => Out;
}

/**
 * One option. `parse` checks a given value (what the host passed, whatever its type at run
 * time) and returns it resolved; it throws a ConfigurationError naming `at`. Without `required`,
 * an absent option takes `default`.
 */
export interface Option<In, Out> {
  readonly required?: true;
  readonly default?: Out | Computed<Out>;
  readonly parse: (value: In, at: string, context: DefaultContext) => Out;
}

/** A table of options, as config/defaults.ts declares them. */
// `never` input: any option fits (its parse is only ever called with what the host passed).
export type Table = Readonly<Record<string, Option<never, unknown>>>;

type InputOfOption<O> = O extends Option<infer In, unknown> ? In : never;
type OutputOfOption<O> = O extends Option<never, infer Out> ? Out : never;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];

/** What the host passes: required options required, the others optional. */
export type InputOf<S> = {
  [K in keyof S as K extends RequiredKeys<S> ? K : never]: InputOfOption<S[K]>;
} & {
  [K in keyof S as K extends RequiredKeys<S> ? never : K]?: InputOfOption<S[K]>;
};

/** Every option resolved, defaults applied. */
export type ResolvedOf<S> = { readonly [K in keyof S]: OutputOfOption<S[K]> };

/** An option with a default (or none: `undefined`); its type comes from `parse`. */
export function option<In, Out>(spec: {
  readonly default?: NoInfer<Out> | Computed<NoInfer<Out>>;
  readonly parse: (value: In, at: string, context: DefaultContext) => Out;
}): Option<In, Out> {
  return spec;
}

/** An option without a default; `parse` also sees it absent (and says what is missing). */
export function required<In, Out>(spec: Omit<Option<In, Out>, 'default' | 'required'>) {
  return { ...spec, required: true } as Option<In, Out> & { readonly required: true };
}

/** A default computed from the issuer. */
export function computed<Out>(compute: (context: DefaultContext, at: string) => Out): Computed<Out> {
  return { computed: compute };
}

function isComputed<Out>(value: unknown): value is Computed<Out> {
  return typeof value === 'object' && value !== null && 'computed' in value;
}

/** "Did you mean `scopes`?" for a near miss (case, or a prefix), else the known names. */
function didYouMean(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const match = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().startsWith(lower));
  return match ? `Did you mean \`${match}\`?` : `Known: ${known.join(', ')}.`;
}

/** Refuses a key the table does not declare, naming it and the nearest option. */
function checkKeys(given: object, known: readonly string[], at: string, noun: string): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw new ConfigurationError(`${at}${key}`, `is not ${noun}.`, didYouMean(key, known));
    }
  }
}

/**
 * Resolves `given` against `table`: unknown keys refused, each option parsed or defaulted, in
 * the table's order. Pure: the result is a new frozen object. `at` prefixes option paths
 * (`resourceServer.`); `noun` names what a stray key is not ("an oauth-kit option").
 */
export function resolveTable<S extends Table>(
  table: S,
  given: object,
  at: string,
  noun: string,
  context?: DefaultContext,
): ResolvedOf<S> {
  if (typeof given !== 'object' || given === null) {
    throw new ConfigurationError(at === '' ? 'options' : at.slice(0, -1), 'must be an object.');
  }
  checkKeys(given, Object.keys(table), at, noun);
  const values = given as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // Top-level tables declare `issuer` first: later defaults see it.
  const contextOf = () => context ?? (out as unknown as DefaultContext);
  for (const [key, spec] of Object.entries(table) as Array<[string, Option<unknown, unknown>]>) {
    out[key] = resolveOption(spec, values[key], `${at}${key}`, contextOf());
  }
  return Object.freeze(out) as ResolvedOf<S>;
}

/** One option: the given value parsed, or its default. */
export function resolveOption<In, Out>(
  spec: Option<In, Out>,
  value: In | undefined,
  at: string,
  context: DefaultContext,
): Out {
  if (value !== undefined || spec.required) return spec.parse(value as In, at, context);
  return isComputed(spec.default) ? spec.default.computed(context, at) : (spec.default as Out);
}

/** An option's plain default (not a computed one), for code outside the options (the CLI). */
export function defaultOf<Out>(spec: Option<never, Out>): Out {
  if (isComputed(spec.default)) throw new TypeError('a computed default needs the options');
  return spec.default as Out;
}

/** An option whose absence means "off" (`pages`): `undefined` when absent, else `spec` parsed. */
export function unlessAbsent<In, Out>(spec: Option<In, Out>): Option<In, Out | undefined> {
  return { parse: spec.parse };
}

/**
 * A group of options under one key (`ttl`, `resourceServer`): an object resolved against its own
 * table; when absent, `absent` (default `{}`) resolved the same way. `check` sees the resolved
 * group (rules between its options); `example` is the hint when the value is not an object.
 */
export function group<S extends Table>(
  table: S,
  noun: string,
  settings: {
    check?: (resolved: ResolvedOf<S>, at: string) => void;
    absent?: InputOf<S>;
    example?: string;
  } = {},
): Option<InputOf<S>, ResolvedOf<S>> {
  const parse = (value: InputOf<S>, at: string, context: DefaultContext): ResolvedOf<S> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigurationError(at, 'must be an object.', settings.example);
    }
    const resolved = resolveTable(table, value, `${at}.`, noun, context);
    settings.check?.(resolved, at);
    return resolved;
  };
  const absent = settings.absent ?? ({} as InputOf<S>);
  return { parse, default: computed((context, at) => parse(absent, at, context)) };
}

/** A group that `false` turns off (`dpop: false`); on, with its defaults, when absent. */
export function switchable<S extends Table>(
  table: S,
  noun: string,
): Option<InputOf<S> | false, ResolvedOf<S> | false> {
  const on = group(table, noun);
  return {
    default: on.default,
    parse(value, at, context) {
      if (value === false) return false;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ConfigurationError(at, 'must be an object or false.');
      }
      return on.parse(value, at, context);
    },
  };
}
