/**
 * The JSON Schema subset stratus writes its cloud-config schema in (draft
 * 4/7 keywords cloud-init's own schema uses). Every module declares the
 * top-level keys it reads as a fragment of this shape.
 */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  /** false: unknown keys are reported. */
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  enum?: (string | number | boolean | null)[];
  const?: string | number | boolean | null;
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
  deprecated_description?: string;
  default?: unknown;
  /** A reference to a shared definition: "#/$defs/<name>". */
  $ref?: string;
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

/** What a module contributes to the cloud-config schema: the top-level keys it reads. */
export interface SchemaFragment {
  properties: Record<string, JsonSchema>;
  /** Shared definitions the fragment refers to with "#/$defs/<name>". */
  $defs?: Record<string, JsonSchema>;
}
