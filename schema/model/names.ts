/** SQL names of form tables. Keys are validated identifiers, so these are safe to quote. */
export function formTable(formKey: string): string {
  return `f_${formKey}`
}

export function childTable(formTableName: string, fieldKey: string): string {
  return `${formTableName}__${fieldKey}`
}

/** 'quotes.lines' → ['quotes', 'lines'] */
export function splitPath(path: string): [string, string | undefined] {
  const [form, sub] = path.split('.')
  return [form, sub]
}
