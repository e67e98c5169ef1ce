"""Batches that share files stack on each other's unmerged branches, in the configured order."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch, plan_with_base
from codemods.errors import BatchError
from codemods.status import APPLIED, MERGED, PLANNED, batch_statuses, rollback_batch
from tests.conftest import git, make_repo

CONFIG = """\
package = "pkg"

[[batch]]
name = "util"
[batch.moves]
"scripts/util.py" = "pkg.util"

[[batch]]
name = "job"
[batch.moves]
"scripts/job.py" = "pkg.job"

[[batch]]
name = "solo"
[batch.moves]
"scripts/solo.py" = "pkg.solo"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/util.py": "def helper():\n    return 1\n",
    "scripts/job.py": "from scripts.util import helper\n\nprint(helper())\n",
    "scripts/solo.py": "VALUE = 2\n",
}


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def rev(root, name):
    return git(root, "rev-parse", name).strip()


def commit_on_main(root, name="README.md"):
    (root / name).write_text("more work on main\n")
    git(root, "add", name)
    git(root, "commit", "--quiet", "-m", f"Add {name}")


def test_out_of_order_rejected_with_order(repo):
    head = rev(repo, "HEAD")

    with pytest.raises(BatchError, match=r"apply in the configured order: `codemod apply --batch util` then `codemod apply --batch job`"):
        apply_batch(repo, "job")

    assert "codemod/" not in git(repo, "branch", "--list")
    assert rev(repo, "HEAD") == head


def test_plan_of_out_of_order_batch_warns(repo):
    warnings: list[str] = []

    plan, base = plan_with_base(repo, "job", warn=warnings.append)

    assert base.ref == "HEAD"
    assert base.reason == "an earlier batch it depends on is not applied yet"
    assert [move.old_path for move in plan.moves] == ["scripts/job.py"]
    assert any("`codemod apply --batch util` then `codemod apply --batch job`" in message for message in warnings)
    assert any("`codemod apply` rejects it" in message for message in warnings)


def test_later_batch_first_is_allowed(repo):
    result = apply_batch(repo, "solo")

    assert result.base_ref == "HEAD"
    assert result.base == rev(repo, "main")


def test_dependent_batch_stacks_on_unmerged(repo):
    first = apply_batch(repo, "util")

    second = apply_batch(repo, "job")

    assert first.base_ref == "HEAD"
    assert second.base_ref == "codemod/util"
    assert second.base == rev(repo, "codemod/util")
    assert "shares 1 file with job (scripts/job.py)" in second.base_reason
    subjects = git(repo, "log", "--format=%s", "main..codemod/job").splitlines()
    assert subjects == [
        "Rewrite imports and add shims for job",
        "Move job: 1 module into pkg",
        "Rewrite imports and add shims for util",
        "Move util: 1 module into pkg",
    ]


@pytest.mark.parametrize(
    "dirty",
    [
        pytest.param({}, id="clean-tree-scanned-in-place"),
        pytest.param({"scripts/draft.py": "from scripts.util import helper\n"}, id="untracked-file-scanned-at-head"),
        pytest.param({"scripts/job.py": "print('no longer imports util')\n"}, id="edited-file-scanned-at-head"),
    ],
)
def test_stacking_decided_on_head_files(repo, dirty):
    apply_batch(repo, "util")
    for path, text in dirty.items():
        (repo / path).write_text(text)

    second = apply_batch(repo, "job")

    assert second.base_ref == "codemod/util"
    assert "shares 1 file with job (scripts/job.py)" in second.base_reason


def test_stacked_branch_moves_rewritten_file(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")

    moved = git(repo, "show", "codemod/job:pkg/job.py")

    assert moved.startswith("from pkg.util import helper\n")


def test_independent_batch_starts_from_head(repo):
    apply_batch(repo, "util")

    result = apply_batch(repo, "solo")

    assert result.base_ref == "HEAD"
    assert result.base_reason.startswith("solo shares no file with the unmerged batch util")


def test_plan_reports_stacked_base(repo):
    apply_batch(repo, "util")

    plan, base = plan_with_base(repo, "job")

    assert base.ref == "codemod/util"
    assert base.commit == rev(repo, "codemod/util")
    assert [move.old_path for move in plan.moves] == ["scripts/job.py"]
    assert len(git(repo, "worktree", "list").splitlines()) == 1


def test_plan_on_head_reads_working_tree(repo):
    plan, base = plan_with_base(repo, "util")

    assert base.ref == "HEAD"
    assert "no other batch" in base.reason
    assert [change.path for change in plan.changes if change.changed] == ["scripts/job.py"]


def test_separate_branches_rejected(tmp_path):
    config = CONFIG + '\n[[batch]]\nname = "both"\n[batch.moves]\n"scripts/both.py" = "pkg.both"\n'
    root = make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config})
    apply_batch(root, "util")
    apply_batch(root, "solo")
    (root / "scripts/both.py").write_text("from scripts.util import helper\nfrom scripts.solo import VALUE\n")
    git(root, "add", "scripts/both.py")
    git(root, "commit", "--quiet", "-m", "Add a user of both modules")

    with pytest.raises(BatchError, match="separate branches"):
        apply_batch(root, "both")
    assert "codemod/both" not in git(root, "branch", "--list")


def test_reapply_changes_nothing(repo):
    first = apply_batch(repo, "util")

    again = apply_batch(repo, "util")

    assert again.already_applied
    assert again.rewrite_commit == first.rewrite_commit == rev(repo, "codemod/util")


def test_rebuild_moves_branch_to_new_head(repo):
    first = apply_batch(repo, "util")
    commit_on_main(repo)

    rebuilt = apply_batch(repo, "util", rebuild=True)

    assert rebuilt.rebuilt
    assert rebuilt.base == rev(repo, "main")
    assert rev(repo, "codemod/util") == rebuilt.rewrite_commit != first.rewrite_commit
    assert len(git(repo, "log", "--format=%H", "main..codemod/util").splitlines()) == 2


def test_rebuild_without_new_base_changes_nothing(repo):
    first = apply_batch(repo, "util")

    again = apply_batch(repo, "util", rebuild=True)

    assert again.already_applied
    assert not again.rebuilt
    assert rev(repo, "codemod/util") == first.rewrite_commit


def test_rebuild_restacks_on_rebuilt_base(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")
    commit_on_main(repo)
    apply_batch(repo, "util", rebuild=True)

    util_again = apply_batch(repo, "util", rebuild=True)
    job = apply_batch(repo, "job", rebuild=True)

    assert util_again.already_applied
    assert job.base_ref == "codemod/util"
    assert git(repo, "merge-base", "--is-ancestor", "main", "codemod/job") == ""


def test_status_flags_batch_on_rebuilt_base(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")
    commit_on_main(repo)
    apply_batch(repo, "util", rebuild=True)

    rows = {row.name: row for row in batch_statuses(repo, count_uses=False)}

    assert rows["util"].stale == ""
    assert rows["job"].stale == (
        "codemod/util was rebuilt or changed after job was stacked on it; "
        "rebuild job with `codemod apply --batch job --rebuild`"
    )


def test_status_clears_flag_after_rebuild(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")
    commit_on_main(repo)
    apply_batch(repo, "util", rebuild=True)
    apply_batch(repo, "job", rebuild=True)

    rows = {row.name: row for row in batch_statuses(repo, count_uses=False)}

    assert rows["job"].stale == ""


def test_rebuild_rejects_foreign_commits(repo):
    apply_batch(repo, "util")
    git(repo, "switch", "--quiet", "codemod/util")
    (repo / "notes.txt").write_text("review notes\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "--quiet", "-m", "Add review notes")
    git(repo, "switch", "--quiet", "main")
    tip = rev(repo, "codemod/util")
    commit_on_main(repo)

    with pytest.raises(BatchError, match=r"commits that codemod did not make \([0-9a-f]{10} 'Add review notes'\)"):
        apply_batch(repo, "util", rebuild=True)

    assert rev(repo, "codemod/util") == tip
    with pytest.raises(BatchError, match="did not make"):
        rollback_batch(repo, "util")
    assert rev(repo, "codemod/util") == tip


def test_rebuild_rejects_checked_out_branch(repo):
    apply_batch(repo, "util")
    git(repo, "switch", "--quiet", "codemod/util")

    with pytest.raises(BatchError, match="is checked out"):
        apply_batch(repo, "util", rebuild=True)


def test_status_lists_states_and_bases(repo):
    apply_batch(repo, "util")
    apply_batch(repo, "job")

    rows = {row.name: row for row in batch_statuses(repo)}

    assert rows["util"].state == APPLIED
    assert rows["util"].base == "main"
    assert rows["util"].commits == 2
    assert rows["util"].moved == 1
    assert rows["util"].shims == 1
    assert rows["util"].old_name_uses == 0
    assert rows["job"].state == APPLIED
    assert rows["job"].base == "codemod/util"
    assert rows["solo"].state == PLANNED


def test_status_after_merge(repo):
    apply_batch(repo, "util")
    git(repo, "merge", "--quiet", "--ff-only", "codemod/util")
    (repo / "scripts/late.py").write_text("from scripts.util import helper\nimport scripts.util\n")
    git(repo, "add", "scripts/late.py")
    git(repo, "commit", "--quiet", "-m", "Add a late user of the old name")

    rows = {row.name: row for row in batch_statuses(repo)}

    assert rows["util"].state == MERGED
    assert rows["util"].commits == 0
    assert rows["util"].old_name_uses == 2


def test_status_pruned_when_shims_gone(repo):
    apply_batch(repo, "util")
    git(repo, "merge", "--quiet", "--ff-only", "codemod/util")
    git(repo, "rm", "--quiet", "scripts/util.py")
    git(repo, "commit", "--quiet", "-m", "Remove the util shim")
    git(repo, "branch", "--quiet", "-D", "codemod/util")

    rows = {row.name: row for row in batch_statuses(repo)}

    assert rows["util"].state == "pruned"
    assert rows["util"].shims == 0


def test_merged_batch_counts_as_applied_for_order(repo):
    apply_batch(repo, "util")
    git(repo, "merge", "--quiet", "--ff-only", "codemod/util")
    git(repo, "branch", "--quiet", "-D", "codemod/util")

    result = apply_batch(repo, "job")

    assert result.base_ref == "HEAD"


def merge_util_keep_branch(root):
    apply_batch(root, "util")
    git(root, "merge", "--quiet", "--ff-only", "codemod/util")


def built_on_merged_batch_tip(root):
    merge_util_keep_branch(root)
    apply_batch(root, "job")
    return "job", "main"


def rebuilt_on_merged_batch_tip(root):
    apply_batch(root, "solo")
    merge_util_keep_branch(root)
    assert apply_batch(root, "solo", rebuild=True).base_ref == "HEAD"
    return "solo", "main"


def stacked_on_unmerged_batch(root):
    apply_batch(root, "util")
    apply_batch(root, "job")
    return "job", "codemod/util"


def built_on_other_branch(root):
    git(root, "switch", "--quiet", "-c", "feature")
    commit_on_main(root, "FEATURE.md")
    apply_batch(root, "solo")
    git(root, "switch", "--quiet", "main")
    return "solo", "feature"


def built_on_detached_head(root):
    git(root, "switch", "--quiet", "--detach")
    apply_batch(root, "solo")
    git(root, "switch", "--quiet", "main")
    commit_on_main(root)
    return "solo", rev(root, "main~1")[:10]


def without_record(setup):
    def run(root):
        batch, expected = setup(root)
        for record in (root / ".git" / "codemod-bases").glob("*.json"):
            record.unlink()
        return batch, expected

    return run


BASES = [
    pytest.param(built_on_merged_batch_tip, id="head-at-merged-batch-tip-is-main"),
    pytest.param(rebuilt_on_merged_batch_tip, id="rebuild-from-head-at-merged-batch-tip-is-main"),
    pytest.param(stacked_on_unmerged_batch, id="stacked-names-batch-branch"),
    pytest.param(built_on_other_branch, id="branch-checked-out-at-apply"),
    pytest.param(built_on_detached_head, id="detached-head-is-commit"),
    pytest.param(without_record(built_on_merged_batch_tip), id="no-record-merged-batch-tip-is-main"),
    pytest.param(without_record(stacked_on_unmerged_batch), id="no-record-stacked-names-batch-branch"),
]


@pytest.mark.parametrize("setup", BASES)
def test_status_names_build_base(repo, setup):
    batch, expected = setup(repo)

    rows = {row.name: row for row in batch_statuses(repo, count_uses=False)}

    assert rows[batch].base == expected


def test_rollback_forgets_recorded_base(repo):
    apply_batch(repo, "solo")
    record = repo / ".git" / "codemod-bases" / "solo.json"
    assert record.is_file()

    rollback_batch(repo, "solo")

    assert not record.exists()
