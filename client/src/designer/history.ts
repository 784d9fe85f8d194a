/**
 * Undo/redo over snapshots of the form being designed. Snapshots are serialized definitions, so
 * an undo can never share objects with the state it replaces.
 */
export class History {
  private past: string[] = []
  private future: string[] = []

  constructor(
    private current: string,
    private readonly limit = 200,
  ) {}

  /** Records a new state; an unchanged one is ignored, and a new one clears what redo would bring back. */
  record(snapshot: string): boolean {
    if (snapshot === this.current) return false
    this.past.push(this.current)
    if (this.past.length > this.limit) this.past.shift()
    this.current = snapshot
    this.future = []
    return true
  }

  undo(): string | null {
    const previous = this.past.pop()
    if (previous === undefined) return null
    this.future.push(this.current)
    this.current = previous
    return previous
  }

  redo(): string | null {
    const next = this.future.pop()
    if (next === undefined) return null
    this.past.push(this.current)
    this.current = next
    return next
  }

  get canUndo(): boolean {
    return this.past.length > 0
  }

  get canRedo(): boolean {
    return this.future.length > 0
  }

  /** Starts over from a saved state (after saving, undo does not cross the save). */
  reset(snapshot: string): void {
    this.past = []
    this.future = []
    this.current = snapshot
  }
}
