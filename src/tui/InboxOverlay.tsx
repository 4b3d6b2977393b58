import { Box, Text } from "./ink.js";
import { draftReply } from "../core/mail.js";
import { Inbox } from "./Inbox.js";
import { inboxHints, type InboxState } from "./inbox-controller.js";
import { MailForm } from "./MailForm.js";

/** Props of {@link InboxOverlay}. */
export interface InboxOverlayProps {
  state: InboxState;
  /** Size of the overlay in cells. */
  width: number;
  height: number;
}

/**
 * The inbox overlay drawn from an {@link InboxState}: the message list or the open thread
 * (the {@link Inbox} component), the reply/compose form under it when one is open, and a
 * hint line of the keys that work now, all within `width`×`height` cells.
 */
export function InboxOverlay({ state, width, height }: InboxOverlayProps) {
  const form = state.form;
  const formHeight = form ? form.fields.length + 1 + (form.error ? 1 : 0) : 0;
  const bodyHeight = Math.max(1, height - 1 - formHeight);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {/* Not shrunk to the box (Ink would squeeze rows onto each other): clipped instead. */}
        <Box flexDirection="column" flexShrink={0}>
          <Inbox
            messages={state.messages}
            {...(state.selectedId !== undefined ? { selectedId: state.selectedId } : {})}
            // A thread shows whole whatever the filter (its selection may be filtered out).
            filter={state.view === "list" ? state.filter : {}}
            view={state.view}
            now={state.now}
            width={width}
            maxRows={Math.max(1, bodyHeight - 2)}
            maxLines={bodyHeight}
          />
        </Box>
      </Box>
      {form ? (
        <MailForm
          title={formTitle(state)}
          fields={form.fields}
          focus={form.focus}
          {...(form.error !== undefined ? { error: form.error } : {})}
          width={width}
        />
      ) : null}
      <Text dimColor wrap="truncate-end">
        {inboxHints(state)}
      </Text>
    </Box>
  );
}

/** The overlay as an element, for the cockpit's chrome layer: `<InboxOverlay …/>`. */
export function inboxView(state: InboxState, width: number, height: number) {
  return <InboxOverlay state={state} width={width} height={height} />;
}

function formTitle(state: InboxState): string {
  const form = state.form;
  if (!form || form.kind === "compose") return "New message";
  const original = state.messages.find((m) => m.id === form.replyTo);
  if (!original) return "Reply";
  const reply = draftReply(original, state.me, "");
  return `Reply to ${reply.to} · ${reply.subject}`;
}
