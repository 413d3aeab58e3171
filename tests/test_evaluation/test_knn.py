"""k-NN on toy features: separating features give 100%, label-free ones do not; the votes are
weighted by exp(cosine / temperature)."""
import pytest
import torch

from mmsaim.evaluation import knn_classify, top1_accuracy
from tests.helpers.toy_features import check_known_answer, toy_features


@pytest.mark.parametrize('separating', [True, False], ids=['separating', 'random'])
def test_knn_accuracy_on_toy_features(separating):
    train_feats, train_labels, test_feats, test_labels = toy_features(separating, dims=4)
    train_feats[:, 0] *= 4  # the class direction dominates the cosine
    test_feats[:, 0] *= 4
    scores = knn_classify(train_feats, train_labels, test_feats, num_classes=2, k=20)
    assert scores.shape == (40, 2)
    check_known_answer(top1_accuracy(scores, test_labels), separating)


def test_votes_are_temperature_weighted():
    # Three neighbours: two of class 0 at cosine 0.6, one of class 1 at cosine 1.
    train = torch.tensor([[0.6, 0.8], [0.6, -0.8], [1., 0.]])
    labels = torch.tensor([0, 0, 1])
    query = torch.tensor([[1., 0.]])
    sharp = knn_classify(train, labels, query, num_classes=2, k=3, temperature=0.07)
    flat = knn_classify(train, labels, query, num_classes=2, k=3, temperature=100.)
    assert sharp.argmax().item() == 1  # the nearest neighbour outweighs the majority
    assert flat.argmax().item() == 0  # near-equal weights: the majority wins
    expected = torch.tensor([[2 * torch.tensor(0.6 / 0.07).exp(), torch.tensor(1 / 0.07).exp()]])
    torch.testing.assert_close(sharp, expected)


def test_only_the_k_nearest_vote():
    train = torch.tensor([[1., 0.], [0.9, 0.1], [-1., 0.], [-1., 0.1], [-1., -0.1]])
    labels = torch.tensor([0, 0, 1, 1, 1])
    scores = knn_classify(train, labels, torch.tensor([[1., 0.]]), num_classes=2, k=2)
    assert scores[0, 1] == 0 and scores[0, 0] > 0
