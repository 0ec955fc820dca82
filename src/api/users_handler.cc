// /api/v1/users (admin): list, create, change the role or password of, and delete users. The
// answers never hold a password or its hash.
#include "api/route.h"
#include "api/server.h"
#include "control/record_json.h"
#include "control/users.h"

namespace sluice::api {
namespace {

nlohmann::json UserJson(const control::User& u) {
  return {{"name", u.name},
          {"role", control::RoleName(u.role)},
          {"created", control::JsonTime(u.created)},
          {"last_login", control::JsonTime(u.last_login)}};
}

Status OnlyFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
                  const char* names) {
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::Invalid("unknown field '" + key + "' in the body (use " + names + ")");
    }
    if (!value.is_string()) return Status::Invalid(key + " must be a string");
  }
  return Status::Ok();
}

Result<control::Role> RoleField(const nlohmann::json& body) {
  const std::string name = body.value("role", "");
  auto role = control::ParseRole(name);
  if (!role) {
    return Status::Invalid("unknown role '" + name + "' (use viewer, operator or admin)");
  }
  return *role;
}

Result<ApiResponse> ListUsersHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(auto users, control::ListUsers(req.ctx));
  nlohmann::json out = nlohmann::json::array();
  for (const auto& u : users) out.push_back(UserJson(u));
  return ApiResponse::Json({{"users", out}});
}

Result<ApiResponse> CreateUserHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {"name", "role", "password"}, "name, role, password"));
  if (!body.contains("name") || !body.contains("password")) {
    return Status::Invalid("the body needs name, role and password");
  }
  SLUICE_ASSIGN_OR_RETURN(control::Role role, RoleField(body));
  const std::string name = body["name"].get<std::string>();
  SLUICE_RETURN_IF_ERROR(
      control::CreateUser(req.ctx, name, role, body["password"].get<std::string>()));
  SLUICE_ASSIGN_OR_RETURN(auto users, control::ListUsers(req.ctx));
  for (const auto& u : users) {
    if (u.name == name) return ApiResponse::Json(UserJson(u), 201);
  }
  return Status::Internal("user '" + name + "' was created but is not listed");
}

Result<ApiResponse> UpdateUserHandler(const ApiRequest& req) {
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json body, req.JsonBody());
  SLUICE_RETURN_IF_ERROR(OnlyFields(body, {"role", "password"}, "role, password"));
  const std::string& name = req.Param("name");
  if (body.contains("role")) {
    SLUICE_ASSIGN_OR_RETURN(control::Role role, RoleField(body));
    SLUICE_RETURN_IF_ERROR(control::SetRole(req.ctx, name, role));
  }
  if (body.contains("password")) {
    SLUICE_RETURN_IF_ERROR(
        control::ResetPassword(req.ctx, name, body["password"].get<std::string>()));
  }
  SLUICE_ASSIGN_OR_RETURN(auto users, control::ListUsers(req.ctx));
  for (const auto& u : users) {
    if (u.name == name) return ApiResponse::Json(UserJson(u));
  }
  return Status::NotFound("no user '" + name + "'");
}

Result<ApiResponse> DeleteUserHandler(const ApiRequest& req) {
  const std::string& name = req.Param("name");
  if (name == req.principal->user) {
    return Status::Precondition("you cannot delete yourself; another admin can");
  }
  SLUICE_RETURN_IF_ERROR(control::DeleteUser(req.ctx, name));
  return ApiResponse::NoContent();
}

}  // namespace

void AddUserRoutes(ServerState&, std::vector<Route>& routes) {
  routes.push_back({"GET", "/api/v1/users", Access::kAdmin, ListUsersHandler});
  routes.push_back({"POST", "/api/v1/users", Access::kAdmin, CreateUserHandler});
  routes.push_back({"PUT", "/api/v1/users/{name}", Access::kAdmin, UpdateUserHandler});
  routes.push_back({"DELETE", "/api/v1/users/{name}", Access::kAdmin, DeleteUserHandler});
}

}  // namespace sluice::api
