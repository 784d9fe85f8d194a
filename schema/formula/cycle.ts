/**
 * One dependency cycle in a field → dependencies graph, as a path that returns to its start
 * (['a', 'b', 'a']), or null. Dependencies that are not keys of the graph are plain inputs.
 */
export function findCycle(graph: Record<string, readonly string[]>): string[] | null {
  const done = new Set<string>()
  const path: string[] = []
  const onPath = new Set<string>()

  const visit = (node: string): string[] | null => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node]
    if (done.has(node) || !Object.hasOwn(graph, node)) return null
    path.push(node)
    onPath.add(node)
    for (const next of graph[node]) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    path.pop()
    onPath.delete(node)
    done.add(node)
    return null
  }

  for (const node of Object.keys(graph)) {
    const cycle = visit(node)
    if (cycle) return cycle
  }
  return null
}
