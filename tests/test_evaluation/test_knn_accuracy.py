"""k-NN on toy features: separating features give 100%, label-free ones do not; the votes are
weighted by exp(cosine / temperature); the metric takes its bank from the train split."""
import pytest
import torch

from mmsaim.evaluation import KNNAccuracy, knn_classify
from tests.helpers.toy_features import check_known_answer, toy_features


def samples(feats, labels, split):
    return [dict(features=dict(cls=f, doubled=2 * f), gt_label=torch.tensor([int(label)]),
                 split=split) for f, label in zip(feats, labels)]


@pytest.mark.parametrize('separating', [True, False], ids=['separating', 'random'])
def test_knn_accuracy_on_toy_features(separating):
    train_feats, train_labels, test_feats, test_labels = toy_features(separating, dims=4)
    train_feats[:, 0] *= 4  # the class direction dominates the cosine
    test_feats[:, 0] *= 4
    metric = KNNAccuracy(k=20)
    metric.dataset_meta = dict(classes=['a', 'b'])
    # Bank and queries come mixed, as batches of a dataset that joins both splits.
    batch = samples(test_feats[:20], test_labels[:20], 'val') + samples(
        train_feats, train_labels, 'train') + samples(test_feats[20:], test_labels[20:], 'val')
    metric.process(None, batch[:50])
    metric.process(None, batch[50:])
    accuracy = metric.evaluate(len(batch))
    assert set(accuracy) == {'knn/cls', 'knn/doubled'}
    assert accuracy['knn/cls'] == accuracy['knn/doubled']  # cosine ignores the scale
    check_known_answer(accuracy['knn/cls'], separating)


def test_needs_a_bank_and_queries():
    metric = KNNAccuracy()
    train_feats, train_labels, _, _ = toy_features(True)
    metric.process(None, samples(train_feats, train_labels, 'train'))
    with pytest.raises(ValueError, match="'train' split"):
        metric.evaluate(len(train_feats))


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


def test_every_block_scored_on_its_own():
    """Features of several blocks (FrozenEncoder's ``<feature>/block_<k>``) give one accuracy
    each: here block 2 holds the class and block 1 does not."""
    noise = toy_features(False, dims=4)
    signal = toy_features(True, dims=4)
    for feats in (signal[0], signal[2]):
        feats[:, 0] *= 4  # the class direction dominates the cosine
    metric = KNNAccuracy(k=20)
    for split, index in (('train', 0), ('val', 2)):
        metric.process(None, [
            dict(features={'patch_mean/block_1': random_feat, 'patch_mean/block_2': class_feat},
                 gt_label=torch.tensor([int(label)]), split=split)
            for random_feat, class_feat, label in zip(noise[index], signal[index],
                                                      signal[index + 1])])
    accuracy = metric.evaluate(104)
    assert set(accuracy) == {'knn/patch_mean/block_1', 'knn/patch_mean/block_2'}
    check_known_answer(accuracy['knn/patch_mean/block_1'], separating=False)
    check_known_answer(accuracy['knn/patch_mean/block_2'], separating=True)
