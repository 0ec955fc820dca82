#pragma once
// The schema migrations compiled into this build, from src/store/migrations/NNNN_name.sql
// (embedded by embed_migrations.cmake into a generated source file).

#include <span>

namespace sluice {

struct Migration {
  int version;       // NNNN from the file name; versions are 1, 2, 3, ... without gaps
  const char* name;  // the file name, e.g. "0001_initial.sql"
  const char* sql;   // the whole file: one or more statements
};

// Every migration, oldest first. Never empty.
std::span<const Migration> SqliteMigrations();

}  // namespace sluice
