#include "operators/builtin.h"

#include <mutex>

#include "core/external_sensor_config.h"
#include "operators/sensors/command_sensor.h"
#include "operators/sensors/http_sensor.h"
#include "operators/sensors/sql_sensor.h"

namespace sluice {

Status RegisterBuiltinOperators() {
  static std::once_flag once;
  static Status status;
  std::call_once(once, [] {
    // In this order: messages name the kinds in registration order ("add 'run', 'exec' or
    // 'sensor'").
    status = RegisterOperator("run", MakeRunOperator());
    if (status.ok()) status = RegisterOperator("exec", MakeExecOperator());
    if (status.ok()) status = RegisterOperator("sensor", MakeSensorOperator());
    if (status.ok()) status = RegisterSensorType("file", MakeFileSensor());
    if (status.ok()) status = RegisterSensorType("time", MakeTimeSensor());
    if (status.ok()) status = RegisterSensorType("sql", MakeSqlSensor());
    if (status.ok()) status = RegisterSensorType("http", MakeHttpSensor());
    if (status.ok()) status = RegisterSensorType(kExternalSensorType, MakeExternalSensor());
    if (status.ok()) status = RegisterSensorType("command", MakeCommandSensor());
  });
  return status;
}

}  // namespace sluice
