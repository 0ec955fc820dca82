#include "notify/delivery_worker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/memory_store.h"

namespace sluice::notify {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;

const TimePoint kT0 = TimePoint(seconds(1'800'000'000));

// Answers each send from a script (ok unless told otherwise) and remembers what it sent.
class FakeSender final : public Sender {
 public:
  SendOutcome Send(const NotifierSpec& notifier, const DeliveryRecord& d) override {
    sent.emplace_back(notifier.name, d.id);
    if (down) return {false, std::nullopt, "Couldn't connect to server"};
    return {true, 200, ""};
  }
  bool down = false;
  std::vector<std::pair<std::string, int64_t>> sent;
};

class DeliveryWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Migrate().ok());
    NotifierSpec ops;
    ops.name = "ops";
    ops.url = "http://127.0.0.1:1/hook";
    notifiers_["ops"] = ops;
  }

  int64_t AddDelivery(const std::string& notifier, TimePoint at) {
    WriteBatch b;
    DeliveryRecord d;
    d.created = at;
    d.next_attempt = at;
    d.event = "failure";
    d.notifier = notifier;
    d.dag_id = "nightly";
    d.run_id = "r";
    d.task_id = "fetch";
    b.deliveries = {d};
    EXPECT_TRUE(store_.Apply(b).ok());
    return store_.ListDeliveries({}).value().front().id;
  }

  DeliveryRecord Get(int64_t id) {
    for (const auto& d : store_.ListDeliveries({}).value()) {
      if (d.id == id) return d;
    }
    return {};
  }

  MemoryStore store_;
  FakeSender sender_;
  Notifiers notifiers_;
};

TEST_F(DeliveryWorkerTest, SendsWhatIsDueOnceAndRecordsIt) {
  DeliveryWorker worker(store_, sender_, notifiers_, {.log = false});
  const int64_t id = AddDelivery("ops", kT0);
  EXPECT_EQ(worker.Step(kT0 - seconds(1)).value(), 0);
  EXPECT_EQ(worker.Step(kT0).value(), 1);
  EXPECT_EQ(worker.Step(kT0 + seconds(1)).value(), 0);  // delivered: not again
  EXPECT_THAT(sender_.sent, ElementsAre(std::make_pair(std::string("ops"), id)));
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.last_attempt, kT0);
  EXPECT_THAT(store_.ListDeliveryAttempts(id).value(),
              ElementsAre(DeliveryAttemptRecord{id, 1, kT0, true, 200, ""}));
}

TEST_F(DeliveryWorkerTest, ANotifierThatIsDownIsTriedAgainWithBackoffThenDelivered) {
  DeliveryWorkerOptions options;
  options.log = false;
  DeliveryWorker worker(store_, sender_, notifiers_, options);
  const int64_t id = AddDelivery("ops", kT0);
  sender_.down = true;
  EXPECT_EQ(worker.Step(kT0).value(), 1);
  EXPECT_EQ(Get(id).next_attempt, kT0 + seconds(10));
  EXPECT_EQ(worker.Step(kT0 + seconds(9)).value(), 0);
  EXPECT_EQ(worker.Step(kT0 + seconds(10)).value(), 1);
  EXPECT_EQ(Get(id).next_attempt, kT0 + seconds(30));  // 20 s after the second try
  sender_.down = false;
  EXPECT_EQ(worker.Step(kT0 + seconds(30)).value(), 1);
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 3);
  auto attempts = store_.ListDeliveryAttempts(id).value();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].error, "Couldn't connect to server");
  EXPECT_FALSE(attempts[1].ok);
  EXPECT_TRUE(attempts[2].ok);
}

TEST_F(DeliveryWorkerTest, GivesUpAnHourAfterTheEvent) {
  DeliveryWorker worker(store_, sender_, notifiers_, {.log = false});
  const int64_t id = AddDelivery("ops", kT0);
  sender_.down = true;
  TimePoint now = kT0;
  int steps = 0;
  while (Get(id).state == DeliveryState::kPending && steps < 100) {
    now = *Get(id).next_attempt;
    ASSERT_EQ(worker.Step(now).value(), 1);
    ++steps;
  }
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_LE(now, kT0 + minutes(60));
  EXPECT_GT(now, kT0 + minutes(45));
  EXPECT_EQ(d.attempts, steps);
  EXPECT_EQ(d.next_attempt, std::nullopt);
}

TEST_F(DeliveryWorkerTest, AnUnknownNotifierFailsAtOnceSayingWhy) {
  DeliveryWorker worker(store_, sender_, notifiers_, {.log = false});
  const int64_t id = AddDelivery("pager", kT0);
  EXPECT_EQ(worker.Step(kT0).value(), 1);
  EXPECT_TRUE(sender_.sent.empty());
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.last_error,
            "notifier 'pager' is not defined under notifiers: in sluice.yaml (defined: ops)");
}

TEST_F(DeliveryWorkerTest, PendingDeliveriesAreSentByAWorkerOnANewConnection) {
  const int64_t id = AddDelivery("ops", kT0);
  sender_.down = true;
  {
    DeliveryWorker first(store_, sender_, notifiers_, {.log = false});
    EXPECT_EQ(first.Step(kT0).value(), 1);
  }
  // As after a restart: a new connection to the same database, a new worker.
  MemoryStore reopened(store_.database());
  sender_.down = false;
  DeliveryWorker second(reopened, sender_, notifiers_, {.log = false});
  EXPECT_EQ(second.Step(kT0 + seconds(10)).value(), 1);
  EXPECT_EQ(Get(id).state, DeliveryState::kDelivered);
  EXPECT_EQ(Get(id).attempts, 2);
}

}  // namespace
}  // namespace sluice::notify
