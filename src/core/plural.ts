/**
 * `count` and the noun in the right number: `plural(1, "agent")` is `1 agent`,
 * `plural(2, "agent")` is `2 agents`; `many` for nouns whose plural is not noun + "s".
 */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}
