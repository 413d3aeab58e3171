"""Linear probe on toy features: separating features give 100%, label-free ones do not."""
import pytest
import torch

from mmsaim.evaluation import linear_probe, top1_accuracy
from tests.helpers.toy_features import check_known_answer, toy_features


@pytest.mark.parametrize('separating', [True, False], ids=['separating', 'random'])
def test_linear_probe_accuracy_on_toy_features(separating):
    train_feats, train_labels, test_feats, test_labels = toy_features(separating)
    logits = linear_probe(train_feats, train_labels, test_feats, num_classes=2, epochs=30,
                          batch_size=16, generator=torch.Generator().manual_seed(0))
    assert logits.shape == (40, 2)
    check_known_answer(top1_accuracy(logits, test_labels), separating)


def test_same_seed_same_probe():
    train_feats, train_labels, test_feats, _ = toy_features(True)

    def probe():
        return linear_probe(train_feats, train_labels, test_feats, num_classes=2, epochs=3,
                            batch_size=16, generator=torch.Generator().manual_seed(1))

    torch.manual_seed(0)
    first = probe()
    torch.manual_seed(0)
    torch.testing.assert_close(probe(), first, rtol=0, atol=0)
