/**
 * The document as a graph of nodes (YAML's "representation"): what the
 * parser builds and the constructor turns into plain values. Nodes keep
 * their offsets so diagnostics can point into the text.
 */

export const enum Kind {
  Scalar,
  Sequence,
  Mapping,
  Alias,
}

/** Resolve the scalar by its text (plain scalars, and the "!" tag). */
export const IMPLICIT = null;

interface NodeBase {
  /** Offset of the node's first character (its anchor or tag included); for an omitted value, of the indicator before it. */
  readonly start: number;
  /** Full tag ("tag:yaml.org,2002:str", "!local"), or IMPLICIT. */
  readonly tag: string | null;
  /** The anchor that names this node, if any. */
  readonly anchor: string | null;
}

export interface ScalarNode extends NodeBase {
  readonly kind: Kind.Scalar;
  readonly value: string;
  /** Written without quotes or block indicator (or omitted): its text decides its type. */
  readonly plain: boolean;
}

export interface SequenceNode extends NodeBase {
  readonly kind: Kind.Sequence;
  readonly items: YamlNode[];
}

export interface MappingNode extends NodeBase {
  readonly kind: Kind.Mapping;
  readonly keys: YamlNode[];
  readonly values: YamlNode[];
}

export interface AliasNode {
  readonly kind: Kind.Alias;
  readonly start: number;
  readonly name: string;
  /** Never an alias: an alias cannot carry an anchor. */
  readonly target: ValueNode;
}

export type ValueNode = ScalarNode | SequenceNode | MappingNode;
export type YamlNode = ValueNode | AliasNode;

/** The node an alias stands for (a node that is not an alias stands for itself). */
export function deref(node: YamlNode): ValueNode {
  return node.kind === Kind.Alias ? node.target : node;
}

export const TAG_PREFIX = 'tag:yaml.org,2002:';
export const STR = 'tag:yaml.org,2002:str';
export const SEQ = 'tag:yaml.org,2002:seq';
export const MAP = 'tag:yaml.org,2002:map';

/** A tag as a user writes it: "!!str" for the YAML types, "!foo" for local ones. */
export function showTag(tag: string): string {
  return tag.startsWith(TAG_PREFIX) ? `!!${tag.slice(TAG_PREFIX.length)}` : tag.startsWith('!') ? tag : `!<${tag}>`;
}
