#include "builder/packages/install_order.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

TEST(InstallOrderTest, DependenciesFirst) {
  // 0 -> 1 -> 2, 3 alone.
  InstallOrder order = OrderForInstall({{{1}}, {{2}}, {}, {}});
  EXPECT_EQ(order.order, (std::vector<size_t>{2, 1, 0, 3}));
  EXPECT_TRUE(order.cycles.empty());
}

TEST(InstallOrderTest, CyclesGoInIndexOrderUnlessStrictEdgesSayOtherwise) {
  // 0 <-> 1 plain: index order. 2 <-> 3 with 2 strictly after 3.
  InstallOrder plain = OrderForInstall({{{1}}, {{0}}});
  EXPECT_EQ(plain.order, (std::vector<size_t>{0, 1}));
  ASSERT_EQ(plain.cycles.size(), 1u);
  InstallOrder strict = OrderForInstall({{{1, true}}, {{0}}});
  EXPECT_EQ(strict.order, (std::vector<size_t>{1, 0}));
  EXPECT_EQ(strict.cycles[0], (std::vector<size_t>{1, 0}));
}

TEST(InstallOrderTest, AStrictCycleIsBrokenByIndex) {
  InstallOrder order = OrderForInstall({{{1, true}}, {{2, true}}, {{0, true}}});
  EXPECT_EQ(order.order.size(), 3u);
  EXPECT_EQ(order.order[0], 0u);
}

TEST(InstallOrderTest, LongChainsDoNotRecurse) {
  std::vector<std::vector<OrderEdge>> edges(200000);
  for (size_t i = 0; i + 1 < edges.size(); ++i) edges[i].push_back({i + 1});
  InstallOrder order = OrderForInstall(edges);
  ASSERT_EQ(order.order.size(), edges.size());
  EXPECT_EQ(order.order.front(), edges.size() - 1);
  EXPECT_EQ(order.order.back(), 0u);
}

}  // namespace
}  // namespace tinyrange::packages
