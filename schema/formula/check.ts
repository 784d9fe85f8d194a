import { FormulaError } from './errors'
import { FUNCTIONS, arity } from './functions'
import type { ArgInfo, CheckHelpers, FunctionDef } from './functions/types'
import { parseFormula } from './parser'
import type { BinaryNode, CallNode, CompiledFormula, FormulaNode, FormulaScope, FormulaType, ResolvedRef } from './types'

const AGGREGATES = [...FUNCTIONS.values()].filter((f) => f.params.some((p) => p.list)).map((f) => f.name)
const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>='])
/** Static types that fit wherever a value is expected: blank, and fields of unknown type. */
const isLoose = (type: FormulaType) => type === 'null' || type === 'any'
const isTemporal = (type: FormulaType) => type === 'date' || type === 'datetime'

type Typed = FormulaNode & { type: FormulaType }

/** Parse, resolve references, type-check. Throws FormulaError. */
export function compileFormula(source: string, scope: FormulaScope): CompiledFormula {
  const checker = new Checker(source, scope)
  const ast = checker.visit(parseFormula(source))
  checker.rejectList(ast)
  return { source, ast, type: ast.type, dependencies: [...checker.dependencies], volatile: checker.volatile }
}

class Checker {
  readonly dependencies = new Set<string>()
  volatile = false

  constructor(
    private readonly source: string,
    private readonly scope: FormulaScope,
  ) {}

  fail(code: FormulaError['code'], message: string, node: FormulaNode): never {
    throw new FormulaError(code, message, node.start, node.end)
  }

  /** Lists (sub-form columns) are only allowed as arguments of aggregate functions. */
  rejectList(node: Typed): void {
    if (!node.list) return
    const text = this.source.slice(node.start, node.end)
    this.fail('type', `"${text}" is a list (a sub-form column); use it inside ${AGGREGATES.join(', ')}`, node)
  }

  /** A copy of the node annotated with its type (and references with their keys). */
  visit(node: FormulaNode): Typed {
    switch (node.kind) {
      case 'number':
        return { ...node, type: 'number' }
      case 'string':
        return { ...node, type: 'text' }
      case 'boolean':
        return { ...node, type: 'boolean' }
      case 'null':
        return { ...node, type: 'null' }
      case 'ref': {
        const ref = this.scope.resolve(node.name, node.braced)
        return this.reference(node, ref, node.name)
      }
      case 'member': {
        const ref = this.scope.resolveMember(node.object, node.member, node.braced)
        return this.reference(node, ref, `${node.object}.${node.member}`)
      }
      case 'unary': {
        const operand = this.scalar(node.operand)
        if (!isLoose(operand.type) && operand.type !== 'number') {
          this.fail('type', `cannot apply "${node.op}" to ${operand.type}`, operand)
        }
        return { ...node, operand, type: 'number' }
      }
      case 'binary':
        return this.binary(node)
      case 'call':
        return this.call(node)
    }
  }

  private scalar(node: FormulaNode): Typed {
    const typed = this.visit(node)
    this.rejectList(typed)
    return typed
  }

  private reference(node: FormulaNode & { kind: 'ref' | 'member' }, ref: ResolvedRef | undefined, name: string): Typed {
    if (!ref) {
      const isFunction = node.kind === 'ref' && !node.braced && FUNCTIONS.has(name.toUpperCase())
      const hint = isFunction ? ` (to call the function, write ${name.toUpperCase()}())` : ''
      this.fail('unknown_field', `unknown field "${name}"${hint}`, node)
    }
    this.dependencies.add(ref.key)
    return { ...node, key: ref.key, type: ref.type, ...(ref.list ? { list: true } : {}) }
  }

  private binary(node: BinaryNode): Typed {
    const left = this.scalar(node.left)
    const right = this.scalar(node.right)
    const typed = (type: FormulaType): Typed => ({ ...node, left, right, type })
    const [l, r] = [left.type, right.type]
    if (node.op === '&') return typed('text')

    if (COMPARISONS.has(node.op)) {
      const comparable = isLoose(l) || isLoose(r) || l === r || (isTemporal(l) && isTemporal(r))
      if (!comparable) this.fail('type', `cannot compare ${l} with ${r} using "${node.op}"`, node)
      return typed('boolean')
    }

    // Arithmetic. Blank/any operands are read as numbers (blank is 0), as in Excel.
    const kind = (t: FormulaType) => (isLoose(t) ? 'number' : t)
    const [a, b] = [kind(l), kind(r)]
    if (a === 'number' && b === 'number') return typed('number')
    if (node.op === '+' && isTemporal(a) && b === 'number') return typed(a)
    if (node.op === '+' && a === 'number' && isTemporal(b)) return typed(b)
    if (node.op === '-' && isTemporal(a) && b === 'number') return typed(a)
    if (node.op === '-' && isTemporal(a) && isTemporal(b)) return typed('number')
    const offender = a === 'number' || (isTemporal(a) && (node.op === '+' || node.op === '-')) ? right : left
    this.fail('type', `cannot apply "${node.op}" to ${offender.type}`, offender)
  }

  private call(node: CallNode): Typed {
    const def = FUNCTIONS.get(node.name)
    if (!def) this.fail('unknown_function', `unknown function "${node.name}"`, node)
    if (def.volatile) this.volatile = true
    this.checkArity(def, node)
    const args = node.args.map((arg) => this.visit(arg))
    const infos: ArgInfo[] = args.map((arg) => ({ type: arg.type, list: arg.list === true, node: arg }))
    infos.forEach((info, i) => this.checkArgument(def, info, i))
    const helpers: CheckHelpers = {
      fail: (message, at = node) => this.fail('type', message, at),
      unify: (some, what) => this.unify(some, what, node),
    }
    const type = typeof def.returns === 'function' ? def.returns(infos, helpers) : def.returns
    return { ...node, args, type }
  }

  private checkArity(def: FunctionDef, node: CallNode): void {
    const { min, max } = arity(def)
    const got = node.args.length
    if (got >= min && got <= max) return
    const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`
    const expected =
      max === 0
        ? 'no arguments'
        : max === Infinity
          ? `at least ${plural(min)}`
          : min === max
            ? plural(min)
            : max === min + 1
              ? `${min} or ${plural(max)}`
              : `${min} to ${plural(max)}`
    this.fail('arity', `${def.name} expects ${expected}, got ${got}`, node)
  }

  private checkArgument(def: FunctionDef, arg: ArgInfo, index: number): void {
    const param = def.params[Math.min(index, def.params.length - 1)]
    if (arg.list && !param.list) this.rejectList(arg.node as Typed)
    if (isLoose(arg.type) || param.accepts.types.includes(arg.type)) return
    const got = arg.list ? `a list of ${arg.type}` : arg.type
    const message = param.label
      ? `${def.name} ${param.label} must be ${param.accepts.noun}, got ${got}`
      : param.list
        ? `${def.name} expects a list of ${param.accepts.plural}, got ${got}`
        : `${def.name} argument ${index + 1} must be ${param.accepts.noun}, got ${got}`
    this.fail('type', message, arg.node)
  }

  /** The one type several values share, ignoring blank and untyped ones. */
  private unify(args: ArgInfo[], what: string, node: FormulaNode): FormulaType {
    const concrete = [...new Set(args.map((a) => a.type).filter((t) => !isLoose(t)))]
    if (concrete.length > 1) this.fail('type', `${what} must have the same type, got ${concrete.join(' and ')}`, node)
    if (concrete.length === 1) return concrete[0]
    return args.some((a) => a.type === 'any') ? 'any' : 'null'
  }
}
