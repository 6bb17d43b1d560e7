// Schema of one AI-CLI catalog entry (policy/catalog/<id>.yaml). The catalog says what a tool *is*;
// the policy says what to do about it. Signatures are evidence the matcher can verify cheaply.
import Type, { type Static } from 'typebox';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'kebab-case identifier' });
const NonEmpty = Type.String({ minLength: 1 });

export const ByteMarkerSchema = Type.Object(
  {
    region: Type.Union([Type.Literal('head'), Type.Literal('tail'), Type.Literal('section')], {
      description:
        'where to look: the first or the last `windowBytes` bytes of the file, or (`section`) the first and the last `windowBytes` of one ELF section',
    }),
    section: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'ELF section name for region `section`, e.g. .bun; an unnamed note section goes by its note name (NODE_SEA_BLOB: a Node single-executable app)' })),
    windowBytes: Type.Integer({ minimum: 256, maximum: 16 * 1024 * 1024 }),
    all: Type.Array(NonEmpty, {
      minItems: 1,
      description: 'UTF-8 strings looked for in the window; every one must occur unless `atLeast` says fewer suffice',
    }),
    atLeast: Type.Optional(
      Type.Integer({ minimum: 1, description: 'how many of `all` must occur: several independent markers survive one of them being edited away' }),
    ),
  },
  { additionalProperties: false },
);

export const ArgvRuleSchema = Type.Object(
  {
    executable: NonEmpty,
    args: Type.Array(NonEmpty, { minItems: 1, description: 'argv[1..n] must equal these, in order' }),
  },
  { additionalProperties: false, description: 'a subcommand of another program, e.g. `gh copilot`' },
);

export const SharedPathSchema = Type.Object(
  {
    glob: NonEmpty,
    notBuiltWith: Type.Optional(
      Type.Array(Type.Literal('go'), {
        minItems: 1,
        description: 'toolchains the tool is not built with: a Go binary (a `.go.buildinfo` section) at this location is another program',
      }),
    ),
    builtWith: Type.Optional(
      Type.Array(Type.Literal('go'), {
        minItems: 1,
        description: 'toolchains the tool is built with: only such a binary at this location is the tool (a script or another program of that name is not)',
      }),
    ),
  },
  { additionalProperties: false, description: 'a location other programs may use too: says builtWith, notBuiltWith or both' },
);

export const KnownHashSchema = Type.Object(
  {
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    version: NonEmpty,
    platform: NonEmpty,
    file: NonEmpty,
  },
  { additionalProperties: false },
);

export const SignaturesSchema = Type.Object(
  {
    executables: Type.Optional(
      Type.Array(NonEmpty, { description: 'names it is installed or launched as; a hint, never proof on its own' }),
    ),
    npm: Type.Optional(Type.Array(NonEmpty, { description: 'npm package names, including platform packages' })),
    entryScripts: Type.Optional(
      Type.Array(NonEmpty, { description: 'package-relative entry scripts run by an interpreter, e.g. bin/codex.js' }),
    ),
    pypi: Type.Optional(
      Type.Object(
        {
          packages: Type.Array(NonEmpty, { description: 'distribution names, e.g. aider-chat' }),
          modules: Type.Array(NonEmpty, { description: 'top-level import names, e.g. aider (python -m aider)' }),
        },
        { additionalProperties: false },
      ),
    ),
    homebrew: Type.Optional(
      Type.Object(
        {
          formulae: Type.Optional(Type.Array(NonEmpty)),
          casks: Type.Optional(Type.Array(NonEmpty)),
        },
        { additionalProperties: false },
      ),
    ),
    paths: Type.Optional(
      Type.Array(NonEmpty, {
        description:
          'install locations as globs; `~` stands for any user home, `*` for one path segment, `**` for any depth',
      }),
    ),
    sharedPaths: Type.Optional(
      Type.Array(SharedPathSchema, {
        description: 'install locations other programs use too (pressly/goose also installs ~/.local/bin/goose): they count only when the file there is not built with the named toolchain',
      }),
    ),
    argv: Type.Optional(Type.Array(ArgvRuleSchema)),
    markers: Type.Optional(
      Type.Array(ByteMarkerSchema, { description: 'byte strings that identify a renamed copy of the binary' }),
    ),
    sha256: Type.Optional(Type.Array(KnownHashSchema)),
  },
  { additionalProperties: false },
);

const SettingsFormat = Type.Union([Type.Literal('json'), Type.Literal('toml')]);

/** One place a tool takes its endpoint from: an environment variable, or a key in a settings file. */
export const EndpointSourceSchema = Type.Object(
  {
    env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'a variable in the process environment' })),
    file: Type.Optional(
      Type.String({
        minLength: 2,
        description:
          'a settings file as the process sees it: an absolute path, `~/` (the HOME of the process, else its user\'s home), `{cwd}/` (its working directory), `${VAR:-default}` (a variable of the process)',
      }),
    ),
    format: Type.Optional(SettingsFormat),
    key: Type.Optional(
      Type.String({ minLength: 1, description: 'dotted key of the URL in the file; `{other.key}` is replaced by that key\'s value (Codex: model_providers.{model_provider}.base_url)' }),
    ),
    unknownIfKey: Type.Optional(
      Type.Object(
        { key: NonEmpty, except: Type.Optional(Type.Array(NonEmpty)) },
        { additionalProperties: false, description: 'a key that, set to anything but `except`, sends the tool where the base URL does not say (Gemini CLI logged in with Google; a Codex profile)' },
      ),
    ),
    decides: Type.Optional(Type.Boolean({ description: 'verified to override every other source (vendor managed settings): when it names an endpoint, no other source counts' })),
    suffix: Type.Optional(Type.String({ description: 'what the tool appends to the base URL before sending, for explanations only' })),
  },
  { additionalProperties: false },
);

/** Managed settings the vendor reads machine-wide and that beat the user's; the agent writes `key` from the policy. */
export const ManagedSettingsSchema = Type.Object(
  {
    linux: NonEmpty,
    darwin: NonEmpty,
    win32: NonEmpty,
    format: SettingsFormat,
    keys: Type.Record(Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$' }), NonEmpty, {
      description: 'dotted keys the agent sets and owns; `{pin}` in a value is the URL the rule pins the tool to',
    }),
  },
  { additionalProperties: false },
);

/** How a tool decides where it sends, for `when: { endpoints }` rules. Every source that names an endpoint counts. */
export const EndpointResolutionSchema = Type.Object(
  {
    default: Type.String({ pattern: '^https://', description: 'where it sends when nothing is set' }),
    sources: Type.Array(EndpointSourceSchema, { description: 'highest precedence first' }),
    unknownIfEnv: Type.Optional(
      Type.Array(NonEmpty, { description: 'variables that send it somewhere a base URL does not say (Bedrock, Vertex) or move its settings: set = unknown' }),
    ),
    unknownIfArgs: Type.Optional(Type.Array(NonEmpty, { description: 'command-line options that override its settings: present = unknown' })),
    managedSettings: Type.Optional(ManagedSettingsSchema),
  },
  { additionalProperties: false },
);

export const CatalogEntrySchema = Type.Object(
  {
    id: Id,
    name: NonEmpty,
    vendor: Type.String({ minLength: 1, description: 'who receives the code the tool works on; read in sentences such as "{tool} sends the code it works on to {vendor}"' }),
    homepage: Type.String({ pattern: '^https://' }),
    summary: NonEmpty,
    vendorTranslations: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }), NonEmpty, {
        description: '`vendor` in other languages by locale tag, e.g. zh-CN: 其配置使用的任一 LLM 服务商',
      }),
    ),
    embeds: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9-]{1,62}$',
        description:
          'the catalogued tool this library or adapter runs (an SDK that ships the Claude Code binary): what it runs is recognised as that tool, and a rule naming this entry takes precedence',
      }),
    ),
    dataDestinations: Type.Array(NonEmpty, { description: 'API hosts the tool sends prompts and code to' }),
    redirectEnv: Type.Array(NonEmpty, { description: 'environment variables that redirect where it sends data' }),
    endpoint: Type.Optional(EndpointResolutionSchema),
    configPaths: Type.Array(NonEmpty, { description: 'per-user config and state locations (reported, never deleted)' }),
    signatures: SignaturesSchema,
    verification: Type.Array(
      Type.Object(
        {
          fact: NonEmpty,
          how: NonEmpty,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'how each fact was confirmed: a real package inspected, or documentation' },
    ),
  },
  { additionalProperties: false },
);

export type ByteMarker = Static<typeof ByteMarkerSchema>;
export type ArgvRule = Static<typeof ArgvRuleSchema>;
export type SharedPath = Static<typeof SharedPathSchema>;
export type Signatures = Static<typeof SignaturesSchema>;
export type CatalogEntry = Static<typeof CatalogEntrySchema>;
export type EndpointSource = Static<typeof EndpointSourceSchema>;
export type EndpointResolution = Static<typeof EndpointResolutionSchema>;
export type ManagedSettings = Static<typeof ManagedSettingsSchema>;
