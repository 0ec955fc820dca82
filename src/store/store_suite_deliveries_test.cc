// Conformance suite, part 5: alert deliveries. Written with the transition that caused them (all
// or nothing with the batch), sent by the delivery worker on its own connection, each attempt
// recorded, and listed for `sluice alerts list`.
#include <gmock/gmock.h>

#include "store/store_suite.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

DeliveryRecord FullDelivery(const std::string& notifier, TimePoint created) {
  DeliveryRecord d;
  d.created = created;
  d.event = "failure";
  d.notifier = notifier;
  d.dag_id = "nightly";
  d.run_id = "scheduled__2025-01-02T00:00:00Z";
  d.task_id = "fetch";
  d.map_index = 3;
  d.subject_state = "failed";
  d.try_number = 2;
  d.max_tries = 3;
  d.logical_date = Jan2();
  d.log_path = "/logs/nightly/x/fetch@3.2.log";
  d.next_attempt = created;
  d.detail = "running 1h 2m, threshold 30m (expected_duration)";
  return d;
}

TEST_P(StoreSuite, DeliveriesRoundTripWithIdsInOrder) {
  WriteBatch b;
  b.deliveries = {FullDelivery("ops", Jan2(1)), FullDelivery("mail", Jan2(2))};
  b.deliveries[1].task_id = "";
  b.deliveries[1].map_index = std::nullopt;
  b.deliveries[1].logical_date = std::nullopt;
  ASSERT_TRUE(IsOk(Apply(b)));

  std::vector<DeliveryRecord> all = Must(store_->ListDeliveries({}));
  ASSERT_EQ(all.size(), 2u);  // newest first
  DeliveryRecord first = b.deliveries[0];
  DeliveryRecord second = b.deliveries[1];
  first.id = all[1].id;
  second.id = all[0].id;
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(all[1], first);
  EXPECT_EQ(all[0], second);
}

TEST_P(StoreSuite, DeliveriesAreWrittenOnlyWithTheirBatch) {
  WriteBatch b;
  b.deliveries = {FullDelivery("ops", Jan2())};
  // A transition of a run that does not exist fails the batch: the delivery goes with it.
  b.run_transitions = {{FullRun("nightly", "nope", Jan2()), RunState::kRunning}};
  EXPECT_FALSE(Apply(b).ok());
  EXPECT_THAT(Must(store_->ListDeliveries({})), ElementsAre());
}

TEST_P(StoreSuite, DueDeliveriesArePendingOnesByNextAttempt) {
  WriteBatch b;
  b.deliveries = {FullDelivery("a", Jan2(30)), FullDelivery("b", Jan2(10)),
                  FullDelivery("c", Jan2(20)), FullDelivery("later", Jan2(kHourUs))};
  ASSERT_TRUE(IsOk(Apply(b)));
  std::vector<DeliveryRecord> due = Must(store_->DueDeliveries(Jan2(30), 10));
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].notifier, "b");
  EXPECT_EQ(due[1].notifier, "c");
  EXPECT_EQ(due[2].notifier, "a");
  EXPECT_EQ(Must(store_->DueDeliveries(Jan2(30), 1)).size(), 1u);
}

TEST_P(StoreSuite, DeliveryAttemptsAreRecordedAndMoveTheDelivery) {
  WriteBatch b;
  b.deliveries = {FullDelivery("ops", Jan2())};
  ASSERT_TRUE(IsOk(Apply(b)));
  const int64_t id = Must(store_->ListDeliveries({}))[0].id;

  // A second connection, as the delivery worker has.
  std::unique_ptr<Store> worker = OpenUnmigrated();
  DeliveryAttemptRecord failed{id, 1, Jan2(5), false, 503, "HTTP 503"};
  ASSERT_TRUE(IsOk(worker->RecordDeliveryAttempt(failed, DeliveryState::kPending, Jan2(100))));
  EXPECT_THAT(Must(store_->DueDeliveries(Jan2(99), 10)), ElementsAre());
  DeliveryRecord d = Must(store_->DueDeliveries(Jan2(100), 10)).at(0);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_attempt, Jan2(5));
  EXPECT_EQ(d.last_error, "HTTP 503");
  EXPECT_EQ(d.next_attempt, Jan2(100));

  DeliveryAttemptRecord ok{id, 2, Jan2(100), true, 200, ""};
  ASSERT_TRUE(IsOk(worker->RecordDeliveryAttempt(ok, DeliveryState::kDelivered, Jan2(999))));
  d = Must(store_->ListDeliveries({})).at(0);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  EXPECT_EQ(d.last_error, "");
  EXPECT_EQ(d.next_attempt, std::nullopt);
  EXPECT_THAT(Must(store_->ListDeliveryAttempts(id)), ElementsAre(failed, ok));
  EXPECT_THAT(Must(store_->DueDeliveries(Jan2(kHourUs), 10)), ElementsAre());

  // Once delivered, nothing more is recorded: a second worker that sent it too is told.
  Status again = worker->RecordDeliveryAttempt({id, 3, Jan2(200), true, 200, ""},
                                               DeliveryState::kDelivered, std::nullopt);
  EXPECT_EQ(again.code(), StatusCode::kConflict);
  EXPECT_THAT(again.message(), HasSubstr("the delivery is delivered, not pending"));
  EXPECT_EQ(worker
                ->RecordDeliveryAttempt({id + 100, 1, Jan2(), true, {}, ""},
                                        DeliveryState::kDelivered, std::nullopt)
                .code(),
            StatusCode::kNotFound);
}

TEST_P(StoreSuite, ListDeliveriesFiltersByDagAndState) {
  WriteBatch b;
  b.deliveries = {FullDelivery("ops", Jan2()), FullDelivery("ops", Jan2(1))};
  b.deliveries[1].dag_id = "other";
  ASSERT_TRUE(IsOk(Apply(b)));
  const int64_t id = Must(store_->ListDeliveries({}))[1].id;
  ASSERT_TRUE(IsOk(store_->RecordDeliveryAttempt({id, 1, Jan2(2), false, {}, "refused"},
                                                 DeliveryState::kFailed, std::nullopt)));
  DeliveryFilter by_dag;
  by_dag.dag_id = "other";
  ASSERT_EQ(Must(store_->ListDeliveries(by_dag)).size(), 1u);
  EXPECT_EQ(Must(store_->ListDeliveries(by_dag))[0].dag_id, "other");
  DeliveryFilter failed;
  failed.state = DeliveryState::kFailed;
  ASSERT_EQ(Must(store_->ListDeliveries(failed)).size(), 1u);
  EXPECT_EQ(Must(store_->ListDeliveries(failed))[0].id, id);
  DeliveryFilter one;
  one.limit = 1;
  EXPECT_EQ(Must(store_->ListDeliveries(one)).size(), 1u);
}

}  // namespace
}  // namespace sluice
