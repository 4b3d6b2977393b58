import { Box, Text } from "./ink.js";
import { sanitizeLine } from "../core/sanitize.js";

/** Props of {@link MailForm}: plain data, so the caller's state machine owns everything. */
export interface MailFormProps {
  /** First line, e.g. `Reply to bob · Re: which port?` or `New message`. */
  title: string;
  fields: ReadonlyArray<{ label: string; value: string }>;
  /** Index of the field being typed into; it shows the cursor. */
  focus: number;
  /** Why the last attempt to send was refused, shown in red under the fields. */
  error?: string;
  /** Columns available (default 80). */
  width?: number;
}

/** Drawn after the focused field's text (the terminal's own cursor is hidden). */
export const CURSOR = "█";

/**
 * A small inline form for a reply or a new message: a title, one line per field
 * (`Subject: text`), the cursor at the end of the focused field, and an error line. A value
 * longer than its room shows its end, after `…`. All text is shown sanitized.
 */
export function MailForm(props: MailFormProps) {
  const width = props.width ?? 80;
  const labelWidth = Math.max(0, ...props.fields.map((f) => f.label.length)) + 2;
  const room = Math.max(1, width - labelWidth - 1);
  return (
    <Box flexDirection="column">
      <Text bold>{tail(sanitizeLine(props.title), width, false)}</Text>
      {props.fields.map((field, i) => {
        const focused = i === props.focus;
        return (
          <Text key={i}>
            <Text bold={focused} color={focused ? "cyan" : undefined}>
              {`${field.label}:`.padEnd(labelWidth)}
            </Text>
            {tail(sanitizeLine(field.value), room, true)}
            {focused ? CURSOR : null}
          </Text>
        );
      })}
      {props.error ? (
        <Text color="red">{tail(sanitizeLine(props.error), width, false)}</Text>
      ) : null}
    </Box>
  );
}

/** `text` within `width` columns: its end after `…` when `keepEnd`, else its start then `…`. */
function tail(text: string, width: number, keepEnd: boolean): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return keepEnd
    ? "…" + chars.slice(chars.length - (width - 1)).join("")
    : chars.slice(0, width - 1).join("") + "…";
}
