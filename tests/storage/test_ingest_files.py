"""Walking a folder for ingest: symbolic links never lead out of the folder."""

from __future__ import annotations

from storage.ingest.files import iter_files


def test_a_link_out_of_the_folder_is_not_followed(tmp_path):
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("not for the news store")
    folder = tmp_path / "drop"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_text("A story.")
    (folder / "sub" / "to-secret.txt").symlink_to(secret)
    (folder / "to-story.txt").symlink_to(folder / "story.txt")  # stays inside: fine
    (folder / "linked-dir").symlink_to(secret.parent, target_is_directory=True)

    found = {path.relative_to(folder).as_posix(): error for path, error in iter_files([folder])}

    assert found["story.txt"] is None and found["to-story.txt"] is None
    assert "outside the folder" in found["sub/to-secret.txt"]
    assert not any(name.startswith("linked-dir") for name in found)  # linked folders not walked


def test_a_link_given_by_name_is_read(tmp_path):
    # The operator named it: only links met while walking a folder are refused.
    target = tmp_path / "a.txt"
    target.write_text("A story.")
    (tmp_path / "link.txt").symlink_to(target)
    assert list(iter_files([tmp_path / "link.txt"])) == [(tmp_path / "link.txt", None)]
