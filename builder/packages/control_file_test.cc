#include "builder/packages/control_file.h"

#include <gtest/gtest.h>

namespace tinyrange::packages {
namespace {

TEST(ControlFileTest, ParsesParagraphsFieldsAndContinuations) {
  const char* text =
      "Package: hello\n"
      "Version: 2.10-3\n"
      "Description: example package\n"
      " It says hello.\n"
      " .\n"
      " Twice.\n"
      "\n"
      "\n"
      "package: second\n"
      "SHA256:\n"
      " aa 10 main/Packages\n"
      " bb 20 main/Packages.xz\n";
  std::string error;
  auto paragraphs = ParseControlParagraphs(text, {}, &error);
  ASSERT_TRUE(paragraphs) << error;
  ASSERT_EQ(paragraphs->size(), 2u);
  const auto& first = (*paragraphs)[0];
  EXPECT_EQ(first.line, 1u);
  EXPECT_EQ(*first.Get("package"), "hello");
  EXPECT_EQ(*first.Get("VERSION"), "2.10-3");
  EXPECT_EQ(*first.Get("Description"), "example package\n It says hello.\n .\n Twice.");
  EXPECT_FALSE(first.Get("Depends"));
  const auto& second = (*paragraphs)[1];
  EXPECT_EQ(second.line, 9u);
  EXPECT_EQ(second.Find("SHA256")->line, 10u);
  auto lines = ValueLines(*second.Get("SHA256"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "bb 20 main/Packages.xz");
  auto words = ValueWords(lines[0]);
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[2], "main/Packages");
}

TEST(ControlFileTest, ErrorsNameTheLine) {
  std::string error;
  EXPECT_FALSE(ParseControlParagraphs("Package: a\nno colon here\n", {}, &error));
  EXPECT_EQ(error.rfind("line 2: ", 0), 0u) << error;
  EXPECT_FALSE(ParseControlParagraphs(" starts with a continuation\n", {}, &error));
  EXPECT_EQ(error.rfind("line 1: ", 0), 0u) << error;
  EXPECT_FALSE(ParseControlParagraphs("A: 1\nB: 2\nA: 3\n", {}, &error));
  EXPECT_NE(error.find("line 3: field 'A' appears twice"), std::string::npos) << error;
}

TEST(ControlFileTest, CommentsOnlyWhereAllowed) {
  std::string error;
  const char* text = "# a comment\nTypes: deb\n# inside\nURIs: http://a.invalid/\n";
  EXPECT_FALSE(ParseControlParagraphs(text, {}, &error));
  ControlParseOptions options;
  options.allow_comments = true;
  auto paragraphs = ParseControlParagraphs(text, options, &error);
  ASSERT_TRUE(paragraphs) << error;
  ASSERT_EQ(paragraphs->size(), 1u);
  EXPECT_EQ(*(*paragraphs)[0].Get("URIs"), "http://a.invalid/");
}

TEST(ControlFileTest, CrLfAndMissingFinalNewline) {
  std::string error;
  auto paragraphs = ParseControlParagraphs("A: 1\r\nB: 2", {}, &error);
  ASSERT_TRUE(paragraphs) << error;
  EXPECT_EQ(*(*paragraphs)[0].Get("A"), "1");
  EXPECT_EQ(*(*paragraphs)[0].Get("B"), "2");
}

TEST(ControlFileTest, StreamingStopsWhenAsked) {
  std::string error;
  int seen = 0;
  bool finished = ParseControlFile("A: 1\n\nA: 2\n\nA: 3\n", {}, &error, [&](const ControlParagraph&) {
    return ++seen < 2;
  });
  EXPECT_FALSE(finished);
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace tinyrange::packages
