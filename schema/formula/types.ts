import type Decimal from 'decimal.js'

export type FormulaType = 'number' | 'text' | 'boolean' | 'date' | 'datetime' | 'null' | 'any'

export interface ResolvedRef {
  key: string
  type: FormulaType
  list?: boolean
}

export interface FormulaScope {
  /** a bare identifier or a {braced} name: look up a field by key (and for braces also by label) */
  resolve(name: string, braced: boolean): ResolvedRef | undefined
  /**
   * a.b: a sub-form column (`lines.amount`, list: true, key 'lines.amount') or `parent.x`.
   * `braced` is true when either part was written in braces (`{明细}.{金额}`), i.e. may be a label.
   */
  resolveMember(object: string, member: string, braced?: boolean): ResolvedRef | undefined
}

// ---- AST ------------------------------------------------------------------------------------
// Plain JSON. `start`/`end` are 0-based offsets into the source (end exclusive).
// compileFormula returns a copy in which every node has `type` (and `list` when it is a list)
// and every reference has the resolved `key`; the evaluator relies on those annotations.

interface NodeBase {
  start: number
  end: number
  type?: FormulaType
  list?: boolean
}

export interface NumberNode extends NodeBase {
  kind: 'number'
  /** the literal as written ("0.1", "1e3"), so it converts to Decimal exactly */
  value: string
}
export interface StringNode extends NodeBase {
  kind: 'string'
  value: string
}
export interface BooleanNode extends NodeBase {
  kind: 'boolean'
  value: boolean
}
export interface NullNode extends NodeBase {
  kind: 'null'
}
/** `qty` or `{数量}` */
export interface RefNode extends NodeBase {
  kind: 'ref'
  name: string
  braced: boolean
  key?: string
}
/** `lines.amount`, `parent.total`, `{明细}.{金额}` */
export interface MemberNode extends NodeBase {
  kind: 'member'
  object: string
  member: string
  braced: boolean
  key?: string
}
export type UnaryOperator = '-' | '+' | '%'
export interface UnaryNode extends NodeBase {
  kind: 'unary'
  /** '%' is the postfix percent operator */
  op: UnaryOperator
  operand: FormulaNode
}
/** `!=` is parsed as `<>` */
export type BinaryOperator = '^' | '*' | '/' | '+' | '-' | '&' | '=' | '<>' | '<' | '>' | '<=' | '>='
export interface BinaryNode extends NodeBase {
  kind: 'binary'
  op: BinaryOperator
  left: FormulaNode
  right: FormulaNode
}
export interface CallNode extends NodeBase {
  kind: 'call'
  /** upper-cased */
  name: string
  args: FormulaNode[]
}

export type FormulaNode =
  | NumberNode
  | StringNode
  | BooleanNode
  | NullNode
  | RefNode
  | MemberNode
  | UnaryNode
  | BinaryNode
  | CallNode

export interface CompiledFormula {
  source: string
  ast: FormulaNode
  type: FormulaType
  /** resolved keys, deduplicated, in order of first use: ['qty','price'], ['lines.amount'], ['parent.rate'] */
  dependencies: string[]
  /** true when it calls TODAY() or NOW() (the result depends on the clock) */
  volatile: boolean
}

// ---- runtime values -------------------------------------------------------------------------

/** A formula result: number → Decimal, text → string, boolean, date → 'YYYY-MM-DD', datetime → Date, blank → null. */
export type FormulaValue = Decimal | string | boolean | Date | null

/** What callers may pass for one field: numbers may also be JS numbers or numeric strings. */
export type FormulaInput = FormulaValue | number | undefined

/** Dependency key → value; a list dependency (`lines.amount`) maps to an array. */
export type FormulaValues = Readonly<Record<string, FormulaInput | readonly FormulaInput[]>>

export interface EvaluateOptions {
  /** the clock for TODAY()/NOW(); defaults to new Date() */
  now?: Date
}
