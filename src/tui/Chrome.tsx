import { Box, Text } from "./ink.js";

/** A centered box with a title and lines of text (help, confirmations, messages). */
export function Dialog(props: {
  width: number;
  /** Rows the box fills (border included); by default as many as its content needs. */
  height?: number;
  title: string;
  lines: string[];
  footer?: string;
  tone?: "info" | "danger";
  children?: React.ReactNode;
}): React.JSX.Element {
  return (
    <Box
      flexDirection="column"
      width={props.width}
      {...(props.height !== undefined ? { height: props.height } : {})}
      borderStyle="double"
      borderColor={props.tone === "danger" ? "red" : "cyan"}
      paddingX={1}
    >
      {props.title ? (
        <Text bold color={props.tone === "danger" ? "redBright" : "cyanBright"}>
          {props.title}
        </Text>
      ) : null}
      {props.lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line === "" ? " " : line}
        </Text>
      ))}
      {props.children}
      {props.footer ? <Text color="gray">{props.footer}</Text> : null}
    </Box>
  );
}

/** One field of the spawn dialog. */
export interface FormField {
  label: string;
  value: string;
  hint?: string;
  /** A field chosen from a list (←/→): every choice is shown, `value` highlighted. */
  choices?: readonly string[];
}

/** The spawn dialog: labelled fields, the active one with a cursor, and an error line. */
export function SpawnForm(props: {
  width: number;
  fields: FormField[];
  active: number;
  error?: string;
}): React.JSX.Element {
  return (
    <Box
      flexDirection="column"
      width={props.width}
      borderStyle="double"
      borderColor="cyan"
      paddingX={1}
    >
      <Text bold color="cyanBright">
        Spawn an agent
      </Text>
      {props.fields.map((field, i) => (
        <Box key={field.label}>
          <Box width={10}>
            <Text color={i === props.active ? "cyanBright" : "gray"}>{field.label}</Text>
          </Box>
          {field.choices ? (
            <Text wrap="truncate-end">
              {field.choices.map((choice) => (
                <Text
                  key={choice}
                  inverse={choice === field.value}
                  color={choice === field.value && i === props.active ? "cyanBright" : undefined}
                >
                  {` ${choice} `}
                </Text>
              ))}
              {i === props.active ? <Text color="gray"> ←/→</Text> : null}
            </Text>
          ) : (
            <>
              <Text inverse={i === props.active}>{field.value === "" ? " " : field.value}</Text>
              {i === props.active ? <Text color="cyan">▏</Text> : null}
              {field.hint && field.value === "" ? (
                <Text color="gray" wrap="truncate-end">{`  ${field.hint}`}</Text>
              ) : null}
            </>
          )}
        </Box>
      ))}
      {props.error ? <Text color="redBright">{props.error}</Text> : <Text> </Text>}
      <Text color="gray">Tab next field · ←/→ choose · Enter spawn · Esc cancel</Text>
    </Box>
  );
}

/** Shown inside the pane of a lost agent, where its screen would be. */
export function LostNote(props: { lines: string[] }): React.JSX.Element {
  return (
    <Box flexDirection="column" paddingX={1} paddingY={1}>
      {props.lines.map((line, i) => (
        <Text key={i} color={i === 0 ? "redBright" : "gray"} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
