// sluice users create | list | delete | reset-password | set-role, and sluice tokens create |
// list | revoke: who may use the API and the UI (docs/api.md), through src/control/users.h.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "commands.h"
#include "control/users.h"

namespace sluice::cli {
namespace {

struct UserArgs {
  std::string name;
  std::string role;
  std::string label;
  int64_t token_id = 0;
};

// One line typed on the terminal with echo off, the prompt on stderr.
Result<std::string> ReadHidden(const char* prompt) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  termios saved{};
  const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  std::fputs("\n", stderr);
  if (!got) return Status::Invalid("no password given");
  return line;
}

// The new password: the first line of standard input when it is not a terminal (a script's
// pipe), else typed twice without echo.
Result<std::string> ReadNewPassword() {
  if (isatty(STDIN_FILENO) == 0) {
    std::string line;
    if (!std::getline(std::cin, line)) {
      return Status::Invalid("no password on standard input: give it as its first line");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  SLUICE_ASSIGN_OR_RETURN(std::string first, ReadHidden("Password: "));
  SLUICE_ASSIGN_OR_RETURN(std::string second, ReadHidden("Password again: "));
  if (first != second) return Status::Invalid("the passwords do not match; nothing was changed");
  return first;
}

// Runs `body` on an open session, reporting its error as the exit code.
template <typename Body>
void WithSession(Invocation& inv, Body body) {
  auto session = OpenSession(inv.flags);
  if (!session.ok()) return void(inv.exit_code = ReportError(session.status()));
  Status st = body(session->ctx());
  if (!st.ok()) inv.exit_code = ReportError(st);
}

void CreateUser(Invocation& inv, const UserArgs& args) {
  // The role first: a typo must not cost typing the password twice.
  auto role = control::RoleFromName(args.role);
  if (!role.ok()) return void(inv.exit_code = ReportError(role.status()));
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::string password, ReadNewPassword());
    SLUICE_RETURN_IF_ERROR(control::CreateUser(ctx, args.name, *role, password));
    std::cout << "created user '" << args.name << "' (" << control::RoleName(*role) << ")\n";
    return Status::Ok();
  });
}

void ListUsers(Invocation& inv) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::vector<control::User> users, control::ListUsers(ctx));
    if (inv.flags.output == "json") {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& u : users) {
        rows.push_back({{"name", u.name},
                        {"role", control::RoleName(u.role)},
                        {"created", JsonTime(u.created)},
                        {"last_login", JsonTime(u.last_login)}});
      }
      PrintJson(rows);
      return Status::Ok();
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& u : users) {
      rows.push_back(
          {u.name, control::RoleName(u.role), TableTime(u.created), TableTime(u.last_login)});
    }
    PrintTable({"NAME", "ROLE", "CREATED", "LAST_LOGIN"}, rows);
    return Status::Ok();
  });
}

void DeleteUser(Invocation& inv, const UserArgs& args) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_RETURN_IF_ERROR(control::DeleteUser(ctx, args.name));
    std::cout << "deleted user '" << args.name << "' with its tokens and sessions\n";
    return Status::Ok();
  });
}

void ResetPassword(Invocation& inv, const UserArgs& args) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    // Before asking for a password: an unknown name is told at once.
    SLUICE_ASSIGN_OR_RETURN(std::optional<UserRecord> user, ctx.store.GetUser(args.name));
    if (!user) return Status::NotFound("no user '" + args.name + "'");
    SLUICE_ASSIGN_OR_RETURN(std::string password, ReadNewPassword());
    SLUICE_RETURN_IF_ERROR(control::ResetPassword(ctx, args.name, password));
    std::cout << "reset the password of '" << args.name << "'; its sessions are logged out\n";
    return Status::Ok();
  });
}

void SetRole(Invocation& inv, const UserArgs& args) {
  auto role = control::RoleFromName(args.role);
  if (!role.ok()) return void(inv.exit_code = ReportError(role.status()));
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_RETURN_IF_ERROR(control::SetRole(ctx, args.name, *role));
    std::cout << "user '" << args.name << "' is now " << control::RoleName(*role) << "\n";
    return Status::Ok();
  });
}

void CreateToken(Invocation& inv, const UserArgs& args) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_ASSIGN_OR_RETURN(control::NewToken token,
                            control::CreateToken(ctx, args.name, args.label));
    // The token alone on stdout, for `TOKEN=$(sluice tokens create ...)`; the rest on stderr.
    std::cout << token.token << std::endl;
    std::fprintf(stderr, "API token %lld for '%s': shown this once, keep it safe\n",
                 static_cast<long long>(token.id), args.name.c_str());
    return Status::Ok();
  });
}

void ListTokens(Invocation& inv, const UserArgs& args) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_ASSIGN_OR_RETURN(std::vector<control::TokenInfo> tokens,
                            control::ListTokens(ctx, args.name));
    if (inv.flags.output == "json") {
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& t : tokens) {
        rows.push_back({{"id", t.id},
                        {"user", t.user},
                        {"label", t.label},
                        {"created", JsonTime(t.created)},
                        {"last_used", JsonTime(t.last_used)}});
      }
      PrintJson(rows);
      return Status::Ok();
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : tokens) {
      rows.push_back(
          {std::to_string(t.id), t.user, t.label, TableTime(t.created), TableTime(t.last_used)});
    }
    PrintTable({"ID", "USER", "LABEL", "CREATED", "LAST_USED"}, rows);
    return Status::Ok();
  });
}

void RevokeToken(Invocation& inv, const UserArgs& args) {
  WithSession(inv, [&](const control::Context& ctx) -> Status {
    SLUICE_RETURN_IF_ERROR(control::RevokeToken(ctx, args.token_id));
    std::cout << "revoked API token " << args.token_id << "\n";
    return Status::Ok();
  });
}

}  // namespace

void AddUsersCommands(CLI::App& app, Invocation& inv) {
  static UserArgs args;
  const std::string roles = "viewer, operator or admin";
  auto* users = app.add_subcommand("users", "Users of the API and the web UI");
  users->require_subcommand(1);

  auto* create = users->add_subcommand(
      "create", "Add a user; the password is read from stdin (first line) or asked twice");
  create->add_option("name", args.name, "user name: 1 to 64 of A-Z a-z 0-9 _ . @ -")->required();
  create->add_option("--role", args.role, roles)->required();
  create->callback([&inv] { CreateUser(inv, args); });

  auto* list = users->add_subcommand("list", "Every user: name, role, created, last login");
  AddOutputFlag(list, inv);
  list->callback([&inv] { ListUsers(inv); });

  auto* del = users->add_subcommand("delete", "Remove a user, its API tokens and its sessions");
  del->add_option("name", args.name, "user name")->required();
  del->callback([&inv] { DeleteUser(inv, args); });

  auto* reset = users->add_subcommand(
      "reset-password", "Set a new password (read as for create); logs out its sessions");
  reset->add_option("name", args.name, "user name")->required();
  reset->callback([&inv] { ResetPassword(inv, args); });

  auto* set_role = users->add_subcommand("set-role", "Change a user's role");
  set_role->add_option("name", args.name, "user name")->required();
  set_role->add_option("--role", args.role, roles)->required();
  set_role->callback([&inv] { SetRole(inv, args); });

  auto* tokens = app.add_subcommand("tokens", "API tokens: `Authorization: Bearer slu_...`");
  tokens->require_subcommand(1);

  auto* token_create =
      tokens->add_subcommand("create", "A new token for a user, printed once on its own line");
  token_create->add_option("--user", args.name, "whose token")->required();
  token_create->add_option("--label", args.label, "what it is for (at most 200 bytes)");
  token_create->callback([&inv] { CreateToken(inv, args); });

  auto* token_list = tokens->add_subcommand("list", "Tokens not revoked (never the tokens)");
  token_list->add_option("--user", args.name, "only this user's");
  AddOutputFlag(token_list, inv);
  token_list->callback([&inv] { ListTokens(inv, args); });

  auto* revoke = tokens->add_subcommand("revoke", "End a token at once");
  revoke->add_option("id", args.token_id, "the token's id (tokens list)")->required();
  revoke->callback([&inv] { RevokeToken(inv, args); });
}

}  // namespace sluice::cli
