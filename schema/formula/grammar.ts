/**
 * Peggy grammar of the formula language. Excel precedence, loosest first:
 *   comparison (= <> != < > <= >=)  →  &  →  + -  →  * /  →  ^  →  postfix %  →  unary - +
 * All binary operators are left-associative, as in Excel (so 2^3^2 = 64 and -2^2 = 4).
 *
 * Strings use Excel's escape: a quote inside a string is doubled ("say ""hi""").
 * Backslash has no special meaning. A bare identifier followed by "(" is a function call;
 * otherwise it is a field key (qty, a1, B2 are fields, never cell references).
 * {any text} is a field referenced by key or label; a.b / {a}.{b} is a member reference.
 */
export const FORMULA_GRAMMAR = String.raw`
{
  function span(node) {
    const l = location();
    node.start = l.start.offset;
    node.end = l.end.offset;
    return node;
  }
  function fold(head, tail) {
    return tail.reduce(
      (left, item) => ({ kind: 'binary', op: item[1], left, right: item[3], start: left.start, end: item[3].end }),
      head,
    );
  }
}

Formula
  = _ expr:Expression _ { return expr; }

Expression
  = Comparison

Comparison
  = head:Concat tail:(_ CompareOp _ Concat)* { return fold(head, tail); }

CompareOp
  = "<>" / "!=" { return "<>"; } / "<=" / ">=" / "<" / ">" / "="

Concat
  = head:Additive tail:(_ "&" _ Additive)* { return fold(head, tail); }

Additive
  = head:Multiplicative tail:(_ [+\-] _ Multiplicative)* { return fold(head, tail); }

Multiplicative
  = head:Power tail:(_ [*/] _ Power)* { return fold(head, tail); }

Power
  = head:Percent tail:(_ "^" _ Percent)* { return fold(head, tail); }

Percent
  = operand:Unary ends:(_ "%" { return location().end.offset; })* {
      return ends.reduce((inner, end) => ({ kind: 'unary', op: '%', operand: inner, start: inner.start, end }), operand);
    }

Unary
  = op:[+\-] _ operand:Unary { return span({ kind: 'unary', op, operand }); }
  / Primary

Primary
  = Number
  / String
  / Call
  / Keyword
  / Reference
  / "(" _ expr:Expression _ ")" { return expr; }

Number
  = value:$(Digits ("." Digits)? Exponent? / "." Digits Exponent?) { return span({ kind: 'number', value }); }

Digits
  = [0-9]+

Exponent
  = [eE] [+\-]? Digits

String
  = '"' chars:StringChar* '"' { return span({ kind: 'string', value: chars.join('') }); }
  / '"' StringChar* { error('unterminated string'); }

StringChar
  = '""' { return '"'; }
  / [^"]

Call
  = name:Identifier _ "(" _ args:Arguments? _ ")" {
      return span({ kind: 'call', name: name.toUpperCase(), args: args ?? [] });
    }

Arguments
  = head:Expression tail:(_ "," _ @Expression)* { return [head, ...tail]; }

Keyword
  = word:$("TRUE"i / "FALSE"i / "NULL"i) !IdentifierChar {
      const upper = word.toUpperCase();
      return span(upper === 'NULL' ? { kind: 'null' } : { kind: 'boolean', value: upper === 'TRUE' });
    }

Reference
  = object:ReferencePart "." member:ReferencePart {
      return span({ kind: 'member', object: object.name, member: member.name, braced: object.braced || member.braced });
    }
  / part:ReferencePart { return span({ kind: 'ref', name: part.name, braced: part.braced }); }

ReferencePart
  = name:Identifier { return { name, braced: false }; }
  / "{" name:$[^}]+ "}" {
      if (name.trim() === '') error('empty braces');
      return { name: name.trim(), braced: true };
    }
  / "{" [^}]* !"}" { error('unclosed brace'); }

Identifier
  = $([A-Za-z_] IdentifierChar*)

IdentifierChar
  = [A-Za-z0-9_]

_
  = [ \t\r\n\u00A0\u3000]*
`
