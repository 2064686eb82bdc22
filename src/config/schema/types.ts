/**
 * The JSON Schema subset stratus writes its cloud-config schema in (draft
 * 4/7 keywords cloud-init's own schema uses). Every module declares the
 * top-level keys it reads as a fragment of this shape; the build merges the
 * fragments into one CloudConfigSchema (scripts/build-schema.mjs), which
 * validate.ts interprets.
 */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  /** false: unknown keys are reported. */
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  enum?: JsonScalar[];
  const?: JsonScalar;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  /** A deprecated key or value: reported as a deprecation, not an error. */
  deprecated?: boolean;
  deprecated_version?: string;
  /** What to do instead, e.g. "Use ``fqdn`` instead." — shown with the deprecation. */
  deprecated_description?: string;
  default?: unknown;
  /** A reference to a shared definition: "#/$defs/<name>". */
  $ref?: string;
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';
export type JsonScalar = string | number | boolean | null;

/** What a module contributes to the cloud-config schema: the top-level keys it reads. */
export interface SchemaFragment {
  properties: Record<string, JsonSchema>;
  /** Shared definitions the fragment refers to with "#/$defs/<name>". */
  $defs?: Record<string, JsonSchema>;
}

/** The whole cloud-config schema: every module's fragment merged (generated at build time). */
export interface CloudConfigSchema {
  properties: Record<string, JsonSchema>;
  $defs: Record<string, JsonSchema>;
  /** Top-level key → the modules that read it (for messages; "base" for system config keys). */
  readBy: Record<string, string[]>;
}
