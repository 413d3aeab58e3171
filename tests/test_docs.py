"""The documentation names only what is there: every relative link of README.md, docs/ and
the configs' READMEs leads to a file of the repository (and to a heading of it, where the
link names one), and every repository path they mention (a config, a tool, a page) exists."""
import glob
import os.path as osp
import re

import pytest

from tests.helpers.tool_runs import ROOT

PAGES = sorted([osp.join(ROOT, 'README.md'), *glob.glob(osp.join(ROOT, 'docs', '*.md')),
                *glob.glob(osp.join(ROOT, 'configs', '**', 'README.md'), recursive=True)])
LINK = re.compile(r'\]\(([^)\s#]+)(#[^)]*)?\)')
# A path of the repository as the pages write it; placeholders (<...>, *, {a,b}, $VAR, ...)
# are not paths.
REPO_PATH = re.compile(r'(?<![\w./-])((?:configs|tools|docs|demo_data|tests|requirements)/'
                       r'[\w./-]*\w)')
PLACEHOLDER = re.compile(r'[<>*{}$]|\.\.\.')


def heading_anchors(page):
    """The anchors GitHub gives the headings of a markdown page."""
    with open(page, encoding='utf-8') as f:
        headings = [line.lstrip('#').strip() for line in f if re.match(r'#+ ', line)]
    return {re.sub(r'[^\w\- ]', '', h.lower()).replace(' ', '-') for h in headings}


def mentioned_paths(text):
    for match in REPO_PATH.finditer(text):
        end = match.end()
        if not PLACEHOLDER.search(text[end:end + 1]) and not PLACEHOLDER.search(match[1]):
            yield match[1]


def test_the_pages_are_found():
    assert len(PAGES) >= 15 and osp.join(ROOT, 'docs', 'algorithm.md') in PAGES


@pytest.mark.parametrize('page', PAGES, ids=lambda p: osp.relpath(p, ROOT))
def test_links_and_paths_exist(page):
    with open(page, encoding='utf-8') as f:
        text = f.read()
    missing = []
    for link, anchor in LINK.findall(text):
        target = osp.normpath(osp.join(osp.dirname(page), link))
        if '://' in link:
            continue
        if not osp.exists(target):
            missing.append(link)
        elif anchor and target.endswith('.md') and anchor[1:] not in heading_anchors(target):
            missing.append(link + anchor)
    missing += [path for path in mentioned_paths(text)
                if not osp.exists(osp.join(ROOT, path.rstrip('.')))]
    assert not missing, f'{osp.relpath(page, ROOT)} names files that are not there: {missing}'
