#pragma once
// Showing a task's log on a terminal without letting the task drive it: the bytes a terminal
// would act on (escape sequences, carriage returns, other controls) are shown escaped, so a task
// can neither clear the screen nor fake a line of Sluice's own (`sluice| result: ...`).

#include <string>
#include <string_view>

namespace sluice::control {

// `text` with what a terminal acts on escaped: ESC as `\x1b`, CR as `\r`, other C0 controls
// except TAB (LF included) as `\xNN`, DEL as `\x7f`, the C1 controls as UTF-8 (U+0080..U+009F)
// as `\u0080`..`\u009f`, and each byte that is not part of valid UTF-8 as `\xNN`. Everything
// else (printable ASCII, TAB, valid UTF-8, backslashes) is kept as it is. Applied to a whole log
// line it changes only the task's text: Sluice's prefix (`TIMESTAMP out| `) and its own notes
// are printable ASCII, so the prefix a reader trusts is always Sluice's.
std::string EscapeTerminalText(std::string_view text);

}  // namespace sluice::control
