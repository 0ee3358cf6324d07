#include "vmm/virtio/fs/id_mapping.h"

#include <gtest/gtest.h>

namespace tinyrange::virtio::fs {
namespace {

TEST(IdMappingTest, TheVmmUserIsTheGuestsRootAndTheMappingIsItsOwnInverse) {
  IdMapping ids(1000, 100);
  EXPECT_EQ(ids.UidToGuest(1000), 0u);
  EXPECT_EQ(ids.UidToGuest(0), 1000u);  // host root is not mistaken for the guest's
  EXPECT_EQ(ids.UidToGuest(1001), 1001u);
  EXPECT_EQ(ids.GidToGuest(100), 0u);
  EXPECT_EQ(ids.GidToGuest(1000), 1000u);  // uids and gids map independently
  for (uint32_t id : {0u, 1u, 100u, 1000u, 1001u, 65534u, 0xffffffffu}) {
    EXPECT_EQ(ids.UidToHost(ids.UidToGuest(id)), id);
    EXPECT_EQ(ids.GidToGuest(ids.GidToHost(id)), id);
  }
}

TEST(IdMappingTest, RootVmmIsTheIdentity) {
  IdMapping ids(0, 0);
  for (uint32_t id : {0u, 1u, 1000u}) {
    EXPECT_EQ(ids.UidToGuest(id), id);
    EXPECT_EQ(ids.GidToHost(id), id);
  }
}

}  // namespace
}  // namespace tinyrange::virtio::fs
