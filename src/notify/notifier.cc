#include "notify/notifier.h"

namespace sluice::notify {

const char* NotifierKindName(NotifierKind kind) {
  switch (kind) {
    case NotifierKind::kWebhook:
      return "webhook";
    case NotifierKind::kEmail:
      return "email";
    case NotifierKind::kCommand:
      return "command";
  }
  return "unknown";  // unreachable for a valid enum value; -Wswitch flags a missing case
}

}  // namespace sluice::notify
